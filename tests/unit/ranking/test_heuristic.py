"""The cold-start heuristic and the model feature check (services.ranking.domain)."""

from __future__ import annotations

import numpy as np
import pytest

from services.common.ranking_features import AFFINITY, AUTHOR, FEATURE_NAMES, POST, Candidate, vector
from services.ranking.domain.heuristic import heuristic_scores
from services.ranking.domain.models import ModelRefused, check_features

VIEWER = 1


def row(age_hours: float, likes: int = 0, *, affinity: list[float] | None = None) -> list[float]:
    candidate = Candidate(author_id=2, age_hours=age_hours, likes=likes, comments=0, shares=0, has_media=False)
    return vector(VIEWER, candidate, affinity or [0.0] * len(AFFINITY), [0.0] * len(AUTHOR), [0.0] * len(POST))


def scores(*rows: list[float]) -> list[float]:
    return list(heuristic_scores(np.array(rows, dtype=np.float64)))


def test_without_other_signals_newer_posts_rank_first() -> None:
    got = scores(row(0.1), row(3), row(30))
    assert got[0] > got[1] > got[2]


def test_engagement_lifts_a_post_above_a_slightly_newer_one_but_not_above_a_fresh_one_by_a_little() -> None:
    fresh, popular, old_popular = scores(row(0.5), row(2, likes=200), row(48, likes=3))
    assert popular > fresh > old_popular


def test_affinity_with_the_author_lifts_a_post() -> None:
    liked = [0.0] * len(AFFINITY)
    liked[AFFINITY.index("aff_likes_30d")] = 20.0
    liked[AFFINITY.index("is_close_friend")] = 1.0
    plain, friend = scores(row(1), row(3, affinity=liked))
    assert friend > plain


def test_an_empty_batch_scores_nothing() -> None:
    assert heuristic_scores(np.zeros((0, len(FEATURE_NAMES)))).shape == (0,)


def test_models_trained_on_other_features_are_refused() -> None:
    names = list(FEATURE_NAMES)
    check_features("v1", names, names)
    check_features("v1", names, [f"Column_{i}" for i in range(len(names))])
    with pytest.raises(ModelRefused):
        check_features("v1", names[:-1], names)
    with pytest.raises(ModelRefused):
        check_features("v1", list(reversed(names)), names)
    with pytest.raises(ModelRefused):
        check_features("v1", names, names[:-1])
