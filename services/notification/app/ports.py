"""What the notification use cases need from the outside world, as Protocols; adapters/ implements them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from services.common.visibility import Visibility
from services.notification.domain.grouping import GroupKey
from services.notification.domain.model import Draft, DropRule, Kind, Notification
from services.notification.domain.rules import StoredSource


@dataclass(frozen=True)
class Actor:
    """A user as notifications show them (from the auth service)."""

    id: int
    handle: str
    display_name: str
    private: bool
    create_time_ns: int


@dataclass(frozen=True)
class PostFacts:
    """What deciding who may see a post takes."""

    post_id: int
    author_id: int
    visibility: Visibility


class NotificationStore(Protocol):
    """The durable store (Cassandra). Every write is an idempotent upsert that expires with the retention."""

    async def sources(self, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], StoredSource]:
        """What is stored for each (recipient, source); absent when nothing is."""
        ...

    async def tombstones(self, subjects: Sequence[str]) -> dict[str, int]:
        """The removal time (ms) of each subject that was removed."""
        ...

    async def write(self, drafts: Sequence[Draft]) -> None:
        """Each notification's own and group rows: what lists it."""
        ...

    async def link(self, drafts: Sequence[Draft]) -> None:
        """Each draft's source pointing at its notification. Written beside the rows: a write that fails half-way
        may leave a source naming a notification that has no rows yet, so a redelivery that finds its source
        already pointing at it writes it again."""
        ...

    async def write_subjects(self, drafts: Sequence[Draft]) -> None:
        """Each notification's rows under its subjects (what `subject_members` finds)."""
        ...

    async def delete(self, notifications: Sequence[Notification]) -> None:
        """The notifications' own and group rows (their subject rows stay: deleting a gone one is harmless)."""
        ...

    async def remove_source(self, recipient_id: int, source: str, removed_at_ms: int, *, unlink: bool) -> None:
        """Records when the source was last taken away and, with `unlink`, that it has no live notification."""
        ...

    async def mark_subject_removed(self, subject: str, at_ms: int) -> None:
        """Records the subject's removal time (the latest wins)."""
        ...

    async def subject_members(self, subject: str) -> list[Notification]:
        """The notifications of a subject (with their kind and post; actor 0)."""
        ...

    async def get(self, recipient_id: int, notification_id: int) -> Notification | None: ...

    async def page(self, recipient_id: int, before: int | None, count: int) -> list[Notification]:
        """Up to `count` notifications below `before` (all when None), newest first."""
        ...

    async def group_members(self, recipient_id: int, key: GroupKey, top: int) -> list[tuple[int, int]]:
        """(notification id, actor id) of the group at or below `top`, newest first."""
        ...


class UnreadCounters(Protocol):
    """Unread notification ids and the read marker (Redis), kept exact under redelivery: adds and removals are
    idempotent, and an id at or below the marker is never counted."""

    async def add(self, ids_by_recipient: Mapping[int, Sequence[int]]) -> None: ...

    async def remove(self, recipient_id: int, notification_ids: Sequence[int]) -> None: ...

    async def count(self, recipient_id: int) -> int: ...

    async def mark_read(self, recipient_id: int, up_to_id: int) -> None: ...

    async def read_marker(self, recipient_id: int) -> int:
        """Every notification at or below it is read; 0 when none is."""
        ...


class PendingNotifications(Protocol):
    """The notifications that are visible before their rows are in the store (Redis): reads list them merged
    with the store's (domain/pending.py). Losing them loses nothing: the consumer writes the rows regardless."""

    async def add(self, notifications: Sequence[Notification]) -> None: ...

    async def forget(self, notifications: Sequence[Notification]) -> None:
        """Written to the store, or taken away."""
        ...

    async def of(self, recipient_id: int) -> list[Notification]: ...


class RemovalMirror(Protocol):
    """The removals' facts (a source's last removal time, a subject's tombstone) mirrored in Redis, where a draft is
    judged before it becomes visible; the store holds the same facts and judges again behind (app/ingest.py). A
    mirror that lost facts (a Redis restart, facts older than the mirror) lets a notification that should have been
    refused be visible until its batch's rest takes it away; it never hides one that is owed."""

    async def removed_sources(self, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """The last removal time (ms) of each (recipient, source) that was taken away."""
        ...

    async def tombstones(self, subjects: Sequence[str]) -> dict[str, int]:
        """The removal time (ms) of each subject that was removed."""
        ...

    async def source_removed(self, recipient_id: int, source: str, at_ms: int) -> None:
        """Records the source's removal time (the latest wins)."""
        ...

    async def subject_removed(self, subject: str, at_ms: int) -> None:
        """Records the subject's removal time (the latest wins)."""
        ...


class LiveFeed(Protocol):
    """New notifications to the connected streams of their recipients, in whichever process holds them."""

    async def publish(self, notifications: Sequence[Notification]) -> None: ...

    def subscribe(self, recipient_id: int) -> AbstractAsyncContextManager[LiveSubscription]: ...


class LiveSubscription(Protocol):
    async def next(self, within: float) -> Notification | None:
        """The next notification, or None after `within` seconds without one."""
        ...


class Users(Protocol):
    async def actors(self, user_ids: Sequence[int]) -> dict[int, Actor]: ...

    async def ids_by_handle(self, handles: Sequence[str]) -> dict[str, int]: ...


class Graph(Protocol):
    async def close_friends(self, owner_id: int) -> list[int]: ...

    async def visible(self, checks: Sequence[tuple[int, PostFacts]]) -> set[tuple[int, int]]:
        """The (viewer, post id) of each check whose viewer may see the post."""
        ...


class Posts(Protocol):
    async def live_posts(self, post_ids: Sequence[int]) -> dict[int, PostFacts]:
        """The posts that exist (absent: deleted, or never existed)."""
        ...


class IngestMetrics(Protocol):
    def written(self, kind: Kind, delay_seconds: float) -> None:
        """A notification became visible `delay_seconds` after its event happened."""
        ...

    def dropped(self, rule: DropRule, count: int = 1) -> None: ...

    def removed(self, cause: str, count: int) -> None: ...

    def stage(self, name: str, seconds: float) -> None:
        """How long one stage of applying a batch took (see app/ingest.py for the stages)."""
        ...
