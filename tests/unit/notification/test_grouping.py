"""The grouped view's pure parts: group keys, summaries, and which groups an earlier page served."""

from __future__ import annotations

from services.notification.domain.grouping import GroupKey, group_key, served_before, summarize
from services.notification.domain.model import Kind, Notification


def test_follows_group_by_kind_and_the_rest_by_post() -> None:
    assert group_key(Notification(1, 2, Kind.FOLLOW, 3)) == GroupKey(Kind.FOLLOW, 0)
    assert group_key(Notification(1, 2, Kind.LIKE, 3, post_id=9)) == GroupKey(Kind.LIKE, 9)


def test_a_summary_counts_distinct_actors_and_keeps_the_three_latest() -> None:
    key = GroupKey(Kind.COMMENT, 9)
    group = summarize(key, [(60, 1), (50, 2), (40, 1), (30, 3), (20, 4)])
    assert group is not None
    assert (group.latest_id, group.actor_ids, group.actor_count) == (60, (1, 2, 3), 4)
    assert summarize(key, []) is None


def test_served_before_means_read_at_or_above_the_cursor() -> None:
    members = [(60, 1), (50, 2)]
    assert not served_before(members, None)
    assert served_before(members, 60)
    assert served_before(members, 55)
    assert not served_before(members, 61)
