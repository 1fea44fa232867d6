"""The graph in PostgreSQL (schema `graph`, schema/postgres/0020_graph.sql): the unit of work the commands run in,
and the reader the queries use. SQL lives beside this module in sql/*.sql."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterable, Sequence

import asyncpg

from services.common.outbox import enqueue_event
from services.common.postgres import UnitOfWork, load_sql
from services.graph.adapters.events import PRODUCER, TOPIC, to_proto
from services.graph.domain.model import Counts, GraphEvent, Link, Relationship, Standing

_SQL_NAMES = (
    "link",
    "blocked_either",
    "follow_insert",
    "follows_delete",
    "counts_add",
    "counts_lock",
    "counts_subtract",
    "request_insert",
    "requests_delete",
    "block_insert",
    "block_delete",
    "close_friend_insert",
    "close_friends_delete",
    "counts",
    "followers_page",
    "following_page",
    "requests_page",
    "follower_ids",
    "close_friend_ids",
    "followees_with_counts",
    "relationships",
    "audience",
    "standing",
    "invalidations_insert",
)


def _load() -> dict[str, str]:
    return {name: load_sql(__file__, f"{name}.sql") for name in _SQL_NAMES}


def pair_lock_key(a: int, b: int) -> int:
    """The advisory lock key of an unordered pair of users: a signed 64-bit hash, the same for (a, b) and (b, a)."""
    low, high = sorted((a, b))
    digest = hashlib.blake2b(f"graph-pair:{low}:{high}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _columns(pairs: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    return [a for a, _ in pairs], [b for _, b in pairs]


class PgGraphTx:
    """The graph inside one transaction (implements app.ports.GraphTx)."""

    def __init__(self, conn: asyncpg.Connection, sql: dict[str, str]):
        self.conn = conn
        self.sql = sql

    async def lock_pair(self, a: int, b: int) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock($1::bigint)", pair_lock_key(a, b))

    async def link(self, follower_id: int, followee_id: int) -> Link:
        return Link(await self.conn.fetchval(self.sql["link"], follower_id, followee_id))

    async def blocked_either(self, a: int, b: int) -> bool:
        return bool(await self.conn.fetchval(self.sql["blocked_either"], a, b))

    async def add_follow(self, follower_id: int, followee_id: int) -> bool:
        if await self.conn.fetchval(self.sql["follow_insert"], follower_id, followee_id) is None:
            return False
        users, followers, following = _deltas([(follower_id, followee_id)])
        await self.conn.execute(self.sql["counts_add"], users, followers, following)
        return True

    async def remove_follows(self, pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        rows = await self.conn.fetch(self.sql["follows_delete"], *_columns(pairs))
        removed = [(r["follower_id"], r["followee_id"]) for r in rows]
        if removed:
            users, followers, following = _deltas(removed)
            await self.conn.execute(self.sql["counts_lock"], users)
            await self.conn.execute(self.sql["counts_subtract"], users, followers, following)
        return removed

    async def add_request(self, requester_id: int, target_id: int) -> bool:
        return await self.conn.fetchval(self.sql["request_insert"], requester_id, target_id) is not None

    async def remove_requests(self, pairs: Sequence[tuple[int, int]]) -> int:
        return _affected(await self.conn.execute(self.sql["requests_delete"], *_columns(pairs)))

    async def add_block(self, blocker_id: int, blocked_id: int) -> bool:
        return await self.conn.fetchval(self.sql["block_insert"], blocker_id, blocked_id) is not None

    async def remove_block(self, blocker_id: int, blocked_id: int) -> bool:
        return _affected(await self.conn.execute(self.sql["block_delete"], blocker_id, blocked_id)) > 0

    async def add_close_friend(self, owner_id: int, friend_id: int) -> bool:
        return await self.conn.fetchval(self.sql["close_friend_insert"], owner_id, friend_id) is not None

    async def remove_close_friends(self, pairs: Sequence[tuple[int, int]]) -> int:
        return _affected(await self.conn.execute(self.sql["close_friends_delete"], *_columns(pairs)))

    async def log_invalidation(self, user_ids: Sequence[int]) -> list[int]:
        return [row["id"] for row in await self.conn.fetch(self.sql["invalidations_insert"], list(user_ids))]

    async def emit(self, key: int, event: GraphEvent) -> None:
        await enqueue_event(self.conn, producer=PRODUCER, topic=TOPIC, key=key, event=to_proto(event))


def _deltas(follows: Sequence[tuple[int, int]]) -> tuple[list[int], list[int], list[int]]:
    """Per user, in id order: how many of these (follower, followee) follows change its two counts."""
    per_user: dict[int, list[int]] = {}
    for follower_id, followee_id in follows:
        per_user.setdefault(followee_id, [0, 0])[0] += 1
        per_user.setdefault(follower_id, [0, 0])[1] += 1
    users = sorted(per_user)
    return users, [per_user[u][0] for u in users], [per_user[u][1] for u in users]


def _affected(status: str) -> int:
    """The row count of a command status such as 'DELETE 2'."""
    return int(status.rsplit(" ", 1)[-1])


class PgGraphUnitOfWork:
    """`async with uow() as tx:` one transaction over the graph (implements app.ports.GraphUnitOfWork)."""

    def __init__(self, pool: asyncpg.Pool):
        self._uow = UnitOfWork(pool)
        self._sql = _load()

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[PgGraphTx]:
        async with self._uow() as conn:
            yield PgGraphTx(conn, self._sql)


class PgGraphReader:
    """Reads on the pool, one statement each (implements app.ports.GraphReader)."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self.sql = _load()

    async def counts(self, user_ids: Sequence[int]) -> dict[int, Counts]:
        rows = await self.pool.fetch(self.sql["counts"], list(user_ids))
        return {r["user_id"]: Counts(followers=r["followers"], following=r["following"]) for r in rows}

    async def followers_page(self, user_id: int, before_seq: int | None, limit: int) -> list[tuple[int, int]]:
        rows = await self.pool.fetch(self.sql["followers_page"], user_id, before_seq, limit)
        return [(r["seq"], r["user_id"]) for r in rows]

    async def following_page(self, user_id: int, before_seq: int | None, limit: int) -> list[tuple[int, int]]:
        rows = await self.pool.fetch(self.sql["following_page"], user_id, before_seq, limit)
        return [(r["seq"], r["user_id"]) for r in rows]

    async def requests_page(self, target_id: int, after_seq: int | None, limit: int) -> list[tuple[int, int]]:
        rows = await self.pool.fetch(self.sql["requests_page"], target_id, after_seq, limit)
        return [(r["seq"], r["user_id"]) for r in rows]

    async def follower_ids(self, author_id: int, after_id: int | None, limit: int | None) -> list[int]:
        rows = await self.pool.fetch(self.sql["follower_ids"], author_id, after_id, limit)
        return [r["follower_id"] for r in rows]

    async def close_friend_ids(self, owner_id: int) -> list[int]:
        return [r["friend_id"] for r in await self.pool.fetch(self.sql["close_friend_ids"], owner_id)]

    async def followees_with_counts(self, user_id: int) -> list[tuple[int, int, bool]]:
        rows = await self.pool.fetch(self.sql["followees_with_counts"], user_id)
        return [(r["followee_id"], r["follower_count"], r["close_friend"]) for r in rows]

    async def relationships(self, viewer_id: int, author_ids: Sequence[int]) -> dict[int, Relationship]:
        rows = await self.pool.fetch(self.sql["relationships"], viewer_id, list(author_ids))
        return _relationships((row["author_id"], row["kind"]) for row in rows)

    async def audience(self, author_id: int, viewer_ids: Sequence[int]) -> dict[int, Relationship]:
        rows = await self.pool.fetch(self.sql["audience"], author_id, list(viewer_ids))
        return _relationships((row["viewer_id"], row["kind"]) for row in rows)

    async def standing(self, caller_id: int, user_id: int) -> Standing:
        row = await self.pool.fetchrow(self.sql["standing"], caller_id, user_id)
        return Standing(**dict(row))


def _relationships(facts: Iterable[tuple[int, str]]) -> dict[int, Relationship]:
    """(user, kind) facts of the relationships.sql / audience.sql kind -> each user's Relationship."""
    kinds: dict[int, set[str]] = {}
    for user_id, kind in facts:
        kinds.setdefault(user_id, set()).add(kind)
    return {
        user_id: Relationship(
            blocked="blocked" in found, follows="follows" in found, close_friend="close_friend" in found
        )
        for user_id, found in kinds.items()
    }
