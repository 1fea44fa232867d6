"""The grouped view ("Ana, Bo and 12 others liked your post"): one group per (kind, post), FOLLOW and
FOLLOW_REQUEST in one group per kind, ordered by each group's latest notification.

Paging groups without skipping or repeating: a page walks the notifications below its cursor, newest first, and a
group is served at its latest notification. The cursor keeps `top`, the newest id when the first page was read:
a group met again further down that has a notification in [cursor, top] (read by an earlier page) was served
there. What came
after `top` waits for a fresh first page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.notification.domain.model import Kind, Notification

LATEST_ACTORS = 3


@dataclass(frozen=True, order=True)
class GroupKey:
    kind: Kind
    post_id: int


def group_key(notification: Notification) -> GroupKey:
    if notification.kind in (Kind.FOLLOW, Kind.FOLLOW_REQUEST):
        return GroupKey(notification.kind, 0)
    return GroupKey(notification.kind, notification.post_id)


@dataclass(frozen=True)
class Group:
    key: GroupKey
    latest_id: int
    actor_ids: tuple[int, ...]  # the latest distinct actors, newest first, at most LATEST_ACTORS
    actor_count: int  # distinct actors


def summarize(key: GroupKey, members: Sequence[tuple[int, int]]) -> Group | None:
    """A group from its (notification id, actor id) rows, newest first; None when it has none."""
    if not members:
        return None
    seen: dict[int, None] = {}
    for _id, actor in members:
        seen.setdefault(actor, None)
    return Group(key, members[0][0], tuple(list(seen)[:LATEST_ACTORS]), len(seen))


def served_before(members: Sequence[tuple[int, int]], cursor_id: int | None) -> bool:
    """Whether a group with these rows (all at or below `top`) was served on an earlier page: it has one at or above
    the page's cursor (the last notification an earlier page read). On the first page nothing was."""
    return cursor_id is not None and any(nid >= cursor_id for nid, _actor in members)
