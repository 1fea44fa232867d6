"""PostgreSQL adapters of the engagement service (schema `engagement`, schema/postgres/0040_engagement.sql): the
connections and transactions, the stores of likes, comments and shares, and the durable counters (the
Idempotency-Key answers are in idempotency_keys.py). SQL lives in sql/*.sql beside this module; nothing but
`PgDatabase` opens a transaction.

A database that does not answer is `Unavailable` (UNAVAILABLE to the caller), never INTERNAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.common.errors import Unavailable
from services.common.outbox import OutboxRow
from services.common.postgres import load_sql
from services.engagement.app.ports import Flushed, PostMembers
from services.engagement.domain.model import Comment, CounterKind, Counts, RowChange

_SQL = {
    name: load_sql(__file__, f"{name}.sql")
    for name in (
        "set_like",
        "insert_comment",
        "recent_identical_comment",
        "get_comment",
        "delete_comment",
        "list_comments",
        "insert_share",
        "exact_counts",
        "liked_among",
        "hidden_engagement",
        "flush_counter_changes",
        "recently_counted",
        "recount",
        "members_likes",
        "members_comments",
        "members_shares",
    )
}

# What a database that does not answer raises: connection failures, timeouts, a server shutting down or full.
_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.QueryCanceledError,
)


@contextlib.contextmanager
def _unavailable_when_down() -> Any:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise Unavailable("the database is unavailable; retry later", reason="DATABASE_UNAVAILABLE") from exc


def lock_key(kind: CounterKind, post_id: int, member_id: int) -> int:
    """The advisory lock key of one counted row: a signed 64-bit hash."""
    digest = hashlib.blake2b(f"engagement:{kind.value}:{post_id}:{member_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PooledConnection(asyncpg.Connection):
    """The pool's connections (`create_pool(connection_class=PooledConnection, reset=reset_unless_clean)`): a
    connection that held only ordered writes (PgDatabase.ordered) leaves nothing on its session, and goes back to
    the pool without the reset statement (a round trip per like); any other use is reset as asyncpg does."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.clean_release = False

    def release_without_reset(self) -> None:
        self.clean_release = True


async def reset_unless_clean(conn: PooledConnection) -> None:
    """The pool's reset (asyncpg has already rolled back an open transaction and dropped the listeners)."""
    if conn.clean_release:
        conn.clean_release = False
        return
    await conn.execute(conn.get_reset_query())


@dataclass
class PgSession:
    conn: asyncpg.Connection

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        with _unavailable_when_down():
            async with self.conn.transaction():
                yield self.conn


class _KeyedLocks:
    """In-process locks by key, kept only while someone holds or waits for them."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class PgDatabase:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self._local = _KeyedLocks()

    @contextlib.asynccontextmanager
    async def reads(self) -> AsyncIterator[asyncpg.Connection]:
        with _unavailable_when_down():
            async with self.pool.acquire() as conn:
                yield conn

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        with _unavailable_when_down():
            async with self.pool.acquire() as conn, conn.transaction():
                yield conn

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[asyncpg.Connection]:
        with _unavailable_when_down():
            async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                yield conn

    @contextlib.asynccontextmanager
    async def exclusive(self, kind: CounterKind, post_id: int, member_id: int) -> AsyncIterator[PgSession]:
        # The in-process lock first, so a double tap waits here rather than on a pooled connection; then the
        # session-level advisory lock for other processes (the pool's release runs pg_advisory_unlock_all(), so
        # it ends with the block, and a process that dies releases it with its connection).
        key = lock_key(kind, post_id, member_id)
        with _unavailable_when_down():
            async with self._local.hold(key), self.pool.acquire() as conn:
                await conn.execute("SELECT pg_advisory_lock($1)", key)
                yield PgSession(conn)

    @contextlib.asynccontextmanager
    async def ordered(self) -> AsyncIterator[PgSession]:
        with _unavailable_when_down():
            async with self.pool.acquire() as conn:
                conn.release_without_reset()
                yield PgSession(conn)


def _comment(row: asyncpg.Record) -> Comment:
    return Comment(row["id"], row["post_id"], row["author_id"], row["text"], row["created_at"])


def _row_change(row: asyncpg.Record | None) -> RowChange:
    return RowChange(changed=row["changed"], hidden=row["hidden"]) if row else RowChange(changed=False, hidden=False)


async def _set_like(
    conn: asyncpg.Connection, liked: bool, post_id: int, user_id: int, hidden: bool, event: OutboxRow
) -> RowChange:
    lock = lock_key(CounterKind.LIKES, post_id, user_id)
    row = await conn.fetchrow(_SQL["set_like"], liked, lock, post_id, user_id, hidden, *event.args())
    return RowChange(changed=row["changed"], hidden=row["hidden"], order=row["change_order"])


class PgEngagementStore:
    async def add_like(
        self, conn: asyncpg.Connection, post_id: int, user_id: int, hidden: bool, event: OutboxRow
    ) -> RowChange:
        return await _set_like(conn, True, post_id, user_id, hidden, event)

    async def remove_like(self, conn: asyncpg.Connection, post_id: int, user_id: int, event: OutboxRow) -> RowChange:
        return await _set_like(conn, False, post_id, user_id, False, event)

    async def insert_comment(self, conn: asyncpg.Connection, comment: Comment, hidden: bool) -> None:
        c = comment
        await conn.execute(_SQL["insert_comment"], c.id, c.post_id, c.author_id, c.text, c.created_at, hidden)

    async def recent_identical_comment(
        self, conn: asyncpg.Connection, post_id: int, author_id: int, text: str, since: dt.datetime
    ) -> Comment | None:
        row = await conn.fetchrow(_SQL["recent_identical_comment"], post_id, author_id, text, since)
        return _comment(row) if row else None

    async def get_comment(
        self, conn: asyncpg.Connection, post_id: int, comment_id: int, viewer_id: int
    ) -> Comment | None:
        row = await conn.fetchrow(_SQL["get_comment"], comment_id, post_id, viewer_id)
        return _comment(row) if row else None

    async def delete_comment(self, conn: asyncpg.Connection, post_id: int, comment_id: int) -> RowChange:
        return _row_change(await conn.fetchrow(_SQL["delete_comment"], comment_id, post_id))

    async def list_comments(
        self, conn: asyncpg.Connection, post_id: int, after_id: int, limit: int, viewer_id: int
    ) -> list[Comment]:
        return [_comment(r) for r in await conn.fetch(_SQL["list_comments"], post_id, after_id, limit, viewer_id)]

    async def insert_share(
        self, conn: asyncpg.Connection, share_id: int, post_id: int, user_id: int, hidden: bool
    ) -> None:
        created_at = dt.datetime.now(dt.UTC)
        await conn.execute(_SQL["insert_share"], share_id, post_id, user_id, created_at, hidden)

    async def exact_counts(self, conn: asyncpg.Connection, post_ids: Sequence[int]) -> dict[int, Counts]:
        rows = await conn.fetch(_SQL["exact_counts"], list(post_ids))
        return {r["post_id"]: Counts(r["likes"], r["comments"], r["shares"]) for r in rows}

    async def liked_among(self, conn: asyncpg.Connection, user_id: int, post_ids: Sequence[int]) -> set[int]:
        return {r["post_id"] for r in await conn.fetch(_SQL["liked_among"], user_id, list(post_ids))}

    async def hidden_engagement(
        self, conn: asyncpg.Connection, user_id: int, post_ids: Sequence[int]
    ) -> dict[int, Counts]:
        rows = await conn.fetch(_SQL["hidden_engagement"], user_id, list(post_ids))
        return {r["post_id"]: Counts(r["likes"], r["comments"], r["shares"]) for r in rows}


class PgCounterLedger:
    async def flush(self, conn: asyncpg.Connection, batch: int) -> Flushed:
        rows = await conn.fetch(_SQL["flush_counter_changes"], batch)
        return Flushed([r["post_id"] for r in rows], rows[0]["oldest_change"] if rows else None)

    async def recently_counted(
        self, conn: asyncpg.Connection, since: dt.datetime, limit: int
    ) -> list[tuple[int, dt.datetime]]:
        return [(r["post_id"], r["updated_at"]) for r in await conn.fetch(_SQL["recently_counted"], since, limit)]

    async def recount(self, conn: asyncpg.Connection, post_ids: Sequence[int]) -> dict[int, Counts]:
        rows = await conn.fetch(_SQL["recount"], list(post_ids))
        return {r["post_id"]: Counts(r["likes"], r["comments"], r["shares"]) for r in rows}

    async def members(self, conn: asyncpg.Connection, post_ids: Sequence[int]) -> dict[int, PostMembers]:
        found: dict[int, PostMembers] = {p: PostMembers([], [], []) for p in post_ids}
        for name, pick in (
            ("members_likes", lambda m: m.likers),
            ("members_comments", lambda m: m.comment_ids),
            ("members_shares", lambda m: m.share_ids),
        ):
            for row in await conn.fetch(_SQL[name], list(post_ids)):
                pick(found[row["post_id"]]).append(row["member"])
        return found
