"""The shared feature layout: packing round-trips, a stale layout reads as missing, rows follow FEATURE_NAMES."""

from __future__ import annotations

import math

from services.common import ranking_features as rf


def test_pack_round_trips_floats() -> None:
    values = [0.0, 1.5, 1e-9, 12345.678]
    assert rf.unpack(rf.pack(values).encode(), 4) == values


def test_missing_or_other_layout_reads_as_zeros() -> None:
    assert rf.unpack(None, 3) == [0.0, 0.0, 0.0]
    assert rf.unpack("1.0,2.0", 3) == [0.0, 0.0, 0.0]
    assert rf.unpack("1.0,x,2.0", 3) == [0.0, 0.0, 0.0]


def test_vector_follows_feature_names() -> None:
    cand = rf.Candidate(author_id=7, age_hours=2.0, likes=3, comments=0, shares=1, has_media=True)
    row = rf.vector(7, cand, [1.0] * len(rf.AFFINITY), [2.0] * len(rf.AUTHOR), [3.0] * len(rf.POST))
    assert len(row) == len(rf.FEATURE_NAMES)
    named = dict(zip(rf.FEATURE_NAMES, row, strict=True))
    assert named["aff_likes_7d"] == 1.0
    assert named["author_posts_7d"] == 2.0
    assert named["post_likes_1h"] == 3.0
    assert named["log_likes"] == math.log1p(3)
    assert named["has_media"] == 1.0
    assert named["is_own_post"] == 1.0
    other = rf.vector(8, cand, [0.0] * len(rf.AFFINITY), [0.0] * len(rf.AUTHOR), [0.0] * len(rf.POST))
    assert dict(zip(rf.FEATURE_NAMES, other, strict=True))["is_own_post"] == 0.0
