"""Pure rules of the timeline: cursor, bucket math, id members, merging, delivery and read planning."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.common.ids import EPOCH_MS, SEQUENCE_BITS, WORKER_BITS
from services.timeline.domain import buckets, ids
from services.timeline.domain.cursor import FeedCursor, FeedMode
from services.timeline.domain.delivery import (
    Followees,
    InFlight,
    PullSource,
    backfill_floor,
    by_audience,
    chunked,
    in_flight_for,
    plan_read,
)
from services.timeline.domain.feed import order_by_scores
from services.timeline.domain.merge import StreamSlice, extra_slice, merge_slices, read_size


def post_id_at(ms_since_epoch: int, seq: int = 0) -> int:
    return (ms_since_epoch << (WORKER_BITS + SEQUENCE_BITS)) | seq


# --- cursor -------------------------------------------------------------------------------------------------


def test_cursor_round_trips() -> None:
    for cursor in (
        FeedCursor(before=123456789012345),
        FeedCursor(session="ab12cd", offset=7, window_low=42),
        FeedCursor(session="ab12cd", offset=0),
    ):
        assert FeedCursor.decode(cursor.encode()) == cursor


def test_first_page_cursor_is_empty() -> None:
    assert FeedCursor().encode() == ""
    assert FeedCursor.decode("").is_first_page


@pytest.mark.parametrize("raw", ["%%%", "bm90IGpzb24", "W10", "eyJiIjoiMTIifQ", "eyJiIjotNX0", "eyJyIjoiYS1iIn0"])
def test_malformed_cursors_are_invalid_argument(raw: str) -> None:
    # garbage, "not json", [], {"b":"12"}, {"b":-5}, {"r":"a-b"}
    with pytest.raises(InvalidArgument) as caught:
        FeedCursor.decode(raw)
    assert caught.value.reason == "BAD_CURSOR"


def test_mode_defaults_to_ranked_and_rejects_unknown() -> None:
    assert FeedMode.parse("") is FeedMode.RANKED
    assert FeedMode.parse("chronological") is FeedMode.CHRONOLOGICAL
    assert FeedMode.parse("RANKED") is FeedMode.RANKED
    with pytest.raises(InvalidArgument) as caught:
        FeedMode.parse("popular")
    assert caught.value.reason == "BAD_FEED_MODE"


# --- buckets and members ------------------------------------------------------------------------------------


def test_buckets_follow_the_id_clock() -> None:
    day = buckets.DAY_MS
    assert buckets.home_bucket(post_id_at(0)) == 0
    assert buckets.home_bucket(post_id_at(day - 1, seq=4095)) == 0
    assert buckets.home_bucket(post_id_at(day)) == 1
    assert buckets.user_bucket(post_id_at(7 * day - 1)) == 0
    assert buckets.user_bucket(post_id_at(7 * day)) == 1
    assert buckets.bucket_of(post_id_at(10 * day), day) == 10
    assert EPOCH_MS > 0


def test_start_bucket_is_the_bucket_of_the_id_just_below() -> None:
    day = buckets.DAY_MS
    first_of_day_3 = post_id_at(3 * day)
    assert buckets.start_bucket(first_of_day_3, day) == 2  # strictly below: nothing of day 3 qualifies
    assert buckets.start_bucket(first_of_day_3 + 1, day) == 3
    assert buckets.start_bucket(None, day) == 2**31 - 1


def test_members_sort_like_ids() -> None:
    values = [1, 9, 10, 2**53 + 1, 2**53 + 2, 2**63 - 1]
    members = [ids.to_member(v) for v in values]
    assert sorted(members) == members
    assert [ids.from_member(m) for m in members] == values
    assert ids.to_member(0) == ids.ZERO


# --- merging ------------------------------------------------------------------------------------------------


def test_merge_dedupes_orders_and_respects_the_bound() -> None:
    merged = merge_slices([StreamSlice([9, 7, 5], 3), StreamSlice([12, 9, 8], 3), StreamSlice([], 3)], 11, 4)
    assert merged.ids == [9, 8, 7, 5]  # 12 is not below the cursor
    assert merged.exhausted is False  # the first two streams may hold more


def test_merge_is_exhausted_only_when_every_stream_is() -> None:
    merged = merge_slices([StreamSlice([9, 7], 3), StreamSlice([8], 3)], None, 3)
    assert merged.ids == [9, 8, 7]
    assert merged.exhausted is True
    cut = merge_slices([StreamSlice([9, 7], 3), StreamSlice([8, 6], 3)], None, 3)
    assert cut.ids == [9, 8, 7] and cut.exhausted is False


def test_read_size_has_slack_and_a_ceiling() -> None:
    assert read_size(1) >= 16
    assert read_size(21) > 21
    assert read_size(5000) == 1000


# --- delivery -----------------------------------------------------------------------------------------------


def test_chunks_cover_every_follower_once() -> None:
    followers = list(range(1, 1235))
    chunks = list(chunked(followers, 500))
    assert [len(c) for c in chunks] == [500, 500, 234]
    assert [f for c in chunks for f in c] == followers
    assert list(chunked([], 500)) == []


def test_chunks_with_the_same_readers_are_pushed_together() -> None:
    a, b = [1, 2, 3], [4, 5]
    chunks = [(10, a), (10, b), (11, a), (12, [1, 2]), (11, b), (13, a)]
    groups = by_audience(chunks, max_posts=2)
    assert [(g.post_ids, g.readers, g.chunks) for g in groups] == [
        ([10, 11], (1, 2, 3), [0, 2]),
        ([13], (1, 2, 3), [5]),
        ([10, 11], (4, 5), [1, 4]),
        ([12], (1, 2), [3]),
    ]
    assert by_audience([]) == []


def test_backfill_floor() -> None:
    assert backfill_floor([30, 20, 10], depth=5) == 0  # the whole author timeline was copied
    assert backfill_floor([30, 20, 10], depth=3) == 10  # older posts stay pull-only


def test_plan_pulls_what_the_home_timeline_cannot_vouch_for() -> None:
    viewer = 1
    followees = Followees(pushed=frozenset({2, 3, 4, 5}), celebrities=frozenset({9}))
    sources = {1: 0, 2: 0, 3: 100, 4: 0, 7: 0}  # 5 is not materialized; 7 is no longer followed
    plan = plan_read(viewer, followees, sources, pull_only={4})
    assert plan.authors == {1, 2, 3, 4, 5, 9}
    assert set(plan.pulls) == {PullSource(3, ceiling=100), PullSource(4), PullSource(5), PullSource(9)}
    assert plan.unmaterialized == {5}
    assert plan.stale_sources == {7}


def test_plan_for_a_new_reader_pulls_everyone_including_self() -> None:
    plan = plan_read(1, Followees(pushed=frozenset({2}), celebrities=frozenset()), {}, ())
    assert {p.author_id for p in plan.pulls} == {1, 2}
    assert plan.unmaterialized == {1, 2}


def test_the_viewer_is_never_pull_only() -> None:
    plan = plan_read(1, Followees(pushed=frozenset(), celebrities=frozenset()), {1: 0}, pull_only={1})
    assert plan.pulls == ()


# --- ranking order --------------------------------------------------------------------------------------------


def test_order_by_scores_breaks_ties_newest_first() -> None:
    assert order_by_scores([5, 4, 3, 2], [0.1, 0.9, 0.9, 0.5]) == [4, 3, 2, 5]
    with pytest.raises(ValueError):
        order_by_scores([1, 2], [0.5])


def test_a_read_merges_the_posts_in_flight_of_its_pushed_followees_and_its_own_only() -> None:
    followees = Followees(pushed=frozenset({2, 3}), celebrities=frozenset({4}))
    in_flight = [InFlight(2, 10), InFlight(5, 11), InFlight(3, 12), InFlight(4, 13), InFlight(2, 14), InFlight(1, 15)]
    assert in_flight_for(followees, in_flight, 1) == (15, 14, 12, 10)  # not 5 (a stranger), not 4 (pulled anyway)
    assert in_flight_for(followees, [], 1) == ()


def test_an_extra_slice_holds_only_ids_below_the_cursor_and_never_cuts_a_merge_short() -> None:
    extra = extra_slice((30, 20, 10), before=25, count=5)
    assert list(extra.ids) == [20, 10] and extra.exhausted
    merged = merge_slices([StreamSlice([24, 22, 21], 3), extra], before=25, limit=3)
    assert merged.ids == [24, 22, 21] and not merged.exhausted
    assert merge_slices([StreamSlice([24], 3), extra], before=25, limit=3).ids == [24, 20, 10]
