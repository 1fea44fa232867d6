"""What the engagement use cases need from the outside world, as small Protocols. Adapters implement them; unit
tests may fake them. `Conn` is a database connection, passed through opaquely to the stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from services.common.outbox import OutboxRow
from services.engagement.domain.model import (
    Action,
    Answer,
    Comment,
    CounterKind,
    Counts,
    KeyRecord,
    MemberChange,
    PostRef,
    RowChange,
)

Conn = Any


class Session(Protocol):
    """A connection held for a while, with transactions on it."""

    conn: Conn

    def transaction(self) -> AbstractAsyncContextManager[Conn]: ...


class Database(Protocol):
    """Connections and transactions. A store that does not answer raises services.common.errors.Unavailable."""

    def reads(self) -> AbstractAsyncContextManager[Conn]:
        """A connection for reads outside any transaction."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Conn]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Conn]:
        """A read-only transaction in which every read sees the same snapshot."""
        ...

    def exclusive(self, kind: CounterKind, post_id: int, member_id: int) -> AbstractAsyncContextManager[Session]:
        """A session holding the lock of one counted row (a comment) from before its transaction until after its
        change is applied to the counter cache: so changes of one row reach the cache in the order they committed."""
        ...

    def ordered(self) -> AbstractAsyncContextManager[Session]:
        """A session for writes that order themselves (EngagementStore.add_like, remove_like: each takes its row's
        lock for its transaction only and returns its order), which leave nothing on the session to undo."""
        ...


class EngagementStore(Protocol):
    """Likes, comments and shares. Every change that counts also records its +1/-1 for the flush."""

    async def add_like(self, conn: Conn, post_id: int, user_id: int, hidden: bool, event: OutboxRow) -> RowChange:
        """The like as it stands: new (changed) or already there, whether it is hidden, and the call's order among
        the row's changes (RowChange.order: numbered in commit order). A new like that is not hidden records its +1
        and puts `event` in the outbox, atomically, even outside a transaction (a hidden like does neither; nor do
        hidden comments and shares). On a session of Database.ordered."""
        ...

    async def remove_like(self, conn: Conn, post_id: int, user_id: int, event: OutboxRow) -> RowChange:
        """Not changed when there was no like; else as add_like, with a -1."""
        ...

    async def insert_comment(self, conn: Conn, comment: Comment, hidden: bool) -> None: ...

    async def recent_identical_comment(
        self, conn: Conn, post_id: int, author_id: int, text: str, since: dt.datetime
    ) -> Comment | None: ...

    async def get_comment(self, conn: Conn, post_id: int, comment_id: int, viewer_id: int) -> Comment | None:
        """None also for a hidden comment the viewer did not write."""
        ...

    async def delete_comment(self, conn: Conn, post_id: int, comment_id: int) -> RowChange: ...

    async def list_comments(self, conn: Conn, post_id: int, after_id: int, limit: int, viewer_id: int) -> list[Comment]:
        """Oldest first, ids above after_id; hidden comments only when the viewer wrote them."""
        ...

    async def insert_share(self, conn: Conn, share_id: int, post_id: int, user_id: int, hidden: bool) -> None: ...

    async def exact_counts(self, conn: Conn, post_ids: Sequence[int]) -> dict[int, Counts]:
        """Every asked post's exact counts at one snapshot (durable counters plus changes not flushed yet)."""
        ...

    async def liked_among(self, conn: Conn, user_id: int, post_ids: Sequence[int]) -> set[int]:
        """The posts the user likes, hidden likes included (the user sees their own)."""
        ...

    async def hidden_engagement(self, conn: Conn, user_id: int, post_ids: Sequence[int]) -> dict[int, Counts]:
        """The user's own hidden likes, comments and shares on these posts; posts without any are absent."""
        ...


class GroupedLikes(Protocol):
    """Likes and unlikes made without an Idempotency-Key, each in a transaction that concurrent calls may share."""

    async def set_like(self, liked: bool, post_id: int, user_id: int, hidden: bool, event: OutboxRow) -> RowChange:
        """EngagementStore.add_like (liked) or remove_like (not liked; `hidden` is then ignored), committed when it
        returns; raises what its transaction raised, having changed nothing."""
        ...


class IdempotencyKeys(Protocol):
    async def find(self, conn: Conn, user_id: int, key: str) -> KeyRecord | None: ...

    async def claim(
        self, conn: Conn, user_id: int, key: str, action: Action, post_id: int, answer: Answer | None
    ) -> KeyRecord | None:
        """Takes the key for this request; None when taken now, else the record that holds it (committed)."""
        ...

    async def save_answer(self, conn: Conn, user_id: int, key: str, answer: Answer) -> Answer:
        """Records the answer unless one is recorded; returns the one that stands."""
        ...


@dataclass(frozen=True)
class Flushed:
    """What one flush statement did: the posts whose durable counters changed, and the oldest change it took."""

    post_ids: list[int]
    oldest_change: dt.datetime | None


@dataclass(frozen=True)
class PostMembers:
    """Every counted row of a post, as ids: what its cached sets must hold."""

    likers: list[int]
    comment_ids: list[int]
    share_ids: list[int]


class CounterLedger(Protocol):
    """The durable counters' side of PostgreSQL."""

    async def flush(self, conn: Conn, batch: int) -> Flushed:
        """Adds up to `batch` pending changes to the durable counters, in one transaction."""
        ...

    async def recently_counted(self, conn: Conn, since: dt.datetime, limit: int) -> list[tuple[int, dt.datetime]]:
        """(post id, when its counters changed) for the posts changed at or after `since`, oldest change first."""
        ...

    async def recount(self, conn: Conn, post_ids: Sequence[int]) -> dict[int, Counts]:
        """The counts from the rows themselves (costly: for samples)."""
        ...

    async def members(self, conn: Conn, post_ids: Sequence[int]) -> dict[int, PostMembers]:
        """Every asked post's members (empty lists for a post without any)."""
        ...


class CacheUnavailable(Exception):
    """The counter cache did not answer."""


@dataclass(frozen=True)
class CachedStats:
    counts: Counts
    liked_by_viewer: bool


@dataclass(frozen=True)
class CachedCounts:
    """A post's cached counts (None when not cached) and its change token, read together."""

    counts: Counts | None
    generation: str


class EngagementVersions(Protocol):
    """The users' engagement versions (services.common.engagement_version), which readers that keep copies of the
    counts watch for the user's own changes."""

    async def replace(self, user_id: int, *, sees_own_hidden: bool) -> None:
        """Gives the user a fresh version; raises CacheUnavailable."""


@dataclass(frozen=True)
class Actor:
    """The user whose change is applied, whose engagement version is then replaced (EngagementVersions.replace)."""

    user_id: int
    sees_own_hidden: bool


class CounterCache(Protocol):
    """The hot counts (Redis): per post, the set of each kind's member ids, complete or absent."""

    async def apply(self, change: MemberChange, actor: Actor | None = None) -> int | None:
        """Applies the change (set membership: repeating it is harmless; a change with an order, only if no later
        change of its row was applied); the post's count of that kind after it, None when the post is not cached.
        Then, in the same round trip, gives `actor` a fresh engagement version. Raises CacheUnavailable (the version
        may not be replaced then)."""
        ...

    async def stats(self, viewer_id: int, post_ids: Sequence[int]) -> dict[int, CachedStats]:
        """The cached posts among these, with whether the viewer likes each. Raises CacheUnavailable."""
        ...

    async def counts(self, post_ids: Sequence[int]) -> dict[int, CachedCounts]:
        """Raises CacheUnavailable."""
        ...

    async def publish(self, post_id: int, members: PostMembers, generation: str) -> bool:
        """Caches these members unless the post changed since `generation` was read; True when published."""
        ...

    async def forget(self, post_ids: Sequence[int]) -> None:
        """Drops the posts' cached counts (always safe: a missing post is read from PostgreSQL and rebuilt)."""
        ...


class PostDirectory(Protocol):
    async def visible_post(self, viewer_id: int, post_id: int) -> PostRef:
        """The post if the viewer may see it; NotFound when it is unknown, deleted or hidden from the viewer."""
        ...

    async def live_post(self, post_id: int) -> PostRef:
        """The post, whoever may see it; NotFound when it is unknown or deleted."""
        ...


class IdSource(Protocol):
    def next_id(self) -> int: ...


class EngagementEvents(Protocol):
    """Puts events in the outbox, on the connection of the transaction that makes the change (a like's is written by
    the like's own statement)."""

    def liked(self, post: PostRef, user_id: int) -> OutboxRow:
        """The event of a like, for the statement that stores the like (EngagementStore.add_like)."""
        ...

    def unliked(self, post: PostRef, user_id: int) -> OutboxRow: ...

    def committed(self) -> None:
        """After the statement or transaction that wrote a like's event committed: the event goes out soon."""
        ...

    async def commented(self, conn: Conn, post: PostRef, comment: Comment, mention_handles: Sequence[str]) -> None: ...

    async def comment_deleted(self, conn: Conn, post: PostRef, comment: Comment, deleted_by: int) -> None: ...

    async def shared(self, conn: Conn, post: PostRef, share_id: int, user_id: int) -> None: ...
