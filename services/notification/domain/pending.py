"""What a recipient sees while some of their notifications are visible but not yet durable: a notification is
counted and listed from Redis (the pending ones) as soon as it is judged, and written to the durable store behind.
Reads merge the two here, as pure functions: the same notification in both (written, not yet forgotten by Redis)
is listed once, and the pending ones take their place in the id order a page and a group walk."""

from __future__ import annotations

from collections.abc import Sequence

from services.notification.domain.grouping import GroupKey, group_key
from services.notification.domain.model import Kind, Notification


def pack(n: Notification) -> str:
    """A pending notification's value in Redis (its recipient and id are its key and field)."""
    return f"{n.kind.value}:{n.actor_id}:{n.post_id}:{n.comment_id}"


def unpack(recipient_id: int, notification_id: int, value: str) -> Notification:
    kind, actor, post, comment = value.split(":")
    return Notification(notification_id, recipient_id, Kind(int(kind)), int(actor), int(post), int(comment))


def merge_page(
    stored: Sequence[Notification], pending: Sequence[Notification], before: int | None, count: int
) -> list[Notification]:
    """Up to `count` notifications below `before` (all when None), newest first, from a page of the store (its
    first `count` below `before`) and the pending ones."""
    below = [n for n in pending if before is None or n.id < before]
    merged = {n.id: n for n in (*stored, *below)}
    return sorted(merged.values(), key=lambda n: n.id, reverse=True)[:count]


def merge_members(
    stored: Sequence[tuple[int, int]], pending: Sequence[Notification], key: GroupKey, top: int
) -> list[tuple[int, int]]:
    """(notification id, actor id) of a group at or below `top`, newest first: the store's and the pending ones."""
    merged = dict(stored)
    merged.update((n.id, n.actor_id) for n in pending if n.id <= top and group_key(n) == key)
    return sorted(merged.items(), reverse=True)
