"""What the post use cases need from the outside world, as small Protocols. Adapters implement them; unit tests
may fake them. `Conn` is the connection of a unit of work, passed through opaquely to the repository and outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from services.post.domain.model import Post, PostStats, Visibility, VisibilityQuery

Conn = Any


class Transactions(Protocol):
    """`async with uow() as conn:` one transaction (services.common.postgres.UnitOfWork)."""

    def __call__(self) -> AbstractAsyncContextManager[Conn]: ...


class Reads(Protocol):
    """`async with reads() as conn:` a connection for reads outside any transaction (pool.acquire)."""

    def __call__(self) -> AbstractAsyncContextManager[Conn]: ...


class PostRepository(Protocol):
    async def insert(self, conn: Conn, post: Post) -> None: ...

    async def claim_idempotency_key(self, conn: Conn, author_id: int, key: str, post_id: int) -> int:
        """Records key -> post_id unless the key is already taken; returns the post id the key names now."""
        ...

    async def find_by_idempotency_key(self, conn: Conn, author_id: int, key: str) -> Post | None: ...

    async def get(self, conn: Conn, post_id: int, *, for_update: bool = False) -> Post | None:
        """The post, deleted or not; None when unknown."""
        ...

    async def mark_deleted(self, conn: Conn, post_id: int, when: dt.datetime) -> None: ...

    async def get_live_many(self, conn: Conn, post_ids: Sequence[int]) -> list[Post]:
        """The live posts among these ids, in any order."""
        ...

    async def list_live_by_author(
        self, conn: Conn, author_id: int, before_id: int | None, visibilities: Sequence[Visibility], limit: int
    ) -> list[Post]:
        """An author's live posts with one of these visibilities, below before_id, newest first."""
        ...

    async def list_live_ids_by_author(
        self, conn: Conn, author_id: int, before_id: int | None, limit: int
    ) -> list[int]: ...


class PostEvents(Protocol):
    """Puts events in the outbox, on the connection of the unit of work that makes the change."""

    async def published(self, conn: Conn, post: Post) -> None: ...

    async def deleted(self, conn: Conn, post: Post) -> None: ...


class IdSource(Protocol):
    def next_id(self) -> int: ...


class UserDirectory(Protocol):
    async def ids_by_handle(self, handles: Sequence[str]) -> dict[str, int]:
        """Lower-cased handle -> user id, for the handles that name an account."""
        ...


class VisibilityOracle(Protocol):
    async def visible(self, viewer_id: int, queries: Sequence[VisibilityQuery]) -> list[bool]:
        """One decision per query, in order, in one call."""
        ...


class MediaStore(Protocol):
    async def attach(self, refs: Sequence[str]) -> list[bool]:
        """Attaches uploads to a post about to be created, so that they are never swept: whether each ref names an
        uploaded object, now attached, in order. Called before the post's transaction commits."""
        ...


class StatsSource(Protocol):
    async def stats(self, viewer_id: int, post_ids: Sequence[int]) -> dict[int, PostStats]:
        """Counts by post id; missing ids (or a degraded source) mean zero counts. Never raises."""
        ...


class Tombstones(Protocol):
    async def mark(self, post_ids: Sequence[int]) -> None:
        """Publishes that these posts are deleted (services.common.post_tombstones), after the deletion
        committed. Best effort: a failure is logged, and the post.deleted event carries the news anyway."""
        ...
