"""Reads while some notifications are visible from Redis before their rows are written: the merge of the pending
ones with the store's pages and group rows."""

from __future__ import annotations

from services.notification.domain.grouping import GroupKey
from services.notification.domain.model import Kind, Notification
from services.notification.domain.pending import merge_members, merge_page, pack, unpack


def like(notification_id: int, actor: int, post: int = 9) -> Notification:
    return Notification(notification_id, 7, Kind.LIKE, actor, post_id=post)


def test_a_pending_notification_packs_and_unpacks() -> None:
    n = Notification(123, 7, Kind.MENTION, 4, post_id=9, comment_id=11)
    assert unpack(7, 123, pack(n)) == n


def test_a_page_takes_the_pending_ones_in_id_order_and_lists_each_once() -> None:
    stored = [like(50, 1), like(40, 2), like(30, 3)]
    pending = [like(60, 4), like(40, 2), like(35, 5)]  # 40: written, not yet forgotten by Redis
    assert [n.id for n in merge_page(stored, pending, None, 4)] == [60, 50, 40, 35]
    assert [n.id for n in merge_page(stored, pending, None, 10)] == [60, 50, 40, 35, 30]


def test_a_page_below_a_cursor_leaves_out_the_pending_ones_above_it() -> None:
    stored = [like(30, 3), like(20, 6)]
    pending = [like(60, 4), like(35, 5), like(25, 7)]
    assert [n.id for n in merge_page(stored, pending, 35, 10)] == [30, 25, 20]


def test_a_group_takes_its_own_pending_members_up_to_top() -> None:
    key = GroupKey(Kind.LIKE, 9)
    stored = [(50, 1), (40, 2)]
    pending = [like(70, 4), like(60, 3), like(55, 5, post=8), like(40, 2), Notification(45, 7, Kind.FOLLOW, 6)]
    assert merge_members(stored, pending, key, 65) == [(60, 3), (50, 1), (40, 2)]
    assert merge_members([], pending, GroupKey(Kind.FOLLOW, 0), 100) == [(45, 6)]
