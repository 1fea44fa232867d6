"""The graph cache's invalidation log on real PostgreSQL and Redis: a follow committed while Redis is down, by a
process that then dies, is still invalidated by the next process (its log entries survive it), and the normal path
leaves nothing in the log. Redis "down" is a client of a port where nothing listens."""

from __future__ import annotations

import random
import socket
from collections.abc import AsyncIterator

import asyncpg
import pytest
import redis.asyncio as aioredis

from services.common import redis_keys
from services.common.postgres import create_pool
from services.graph.adapters.invalidation_log import PgInvalidationLog
from services.graph.adapters.postgres import PgGraphUnitOfWork
from services.graph.adapters.redis_cache import RedisGraphCache
from services.graph.app.invalidations import Invalidations
from stack.settings import StackSettings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def pool(stack_settings: StackSettings, graph_schema: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(stack_settings.pg_dsn, max_size=2)
    yield pool
    await pool.close()


async def _logged(pool: asyncpg.Pool, entry_ids: list[int]) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM graph.cache_invalidations WHERE id = ANY($1)", entry_ids))


async def _follow(uow: PgGraphUnitOfWork, follower: int, author: int) -> list[int]:
    """A follow committed with its log entries, as Relationships.follow writes it."""
    async with uow() as tx:
        await tx.add_follow(follower, author)
        return await tx.log_invalidation([author, follower])


async def test_a_follow_whose_process_died_with_redis_down_is_invalidated_by_the_next(
    pool: asyncpg.Pool, stack_settings: StackSettings
) -> None:
    author, follower = random.randrange(10**15, 10**16), random.randrange(10**15, 10**16)
    live = aioredis.from_url(stack_settings.redis_url)
    down = aioredis.from_url(f"redis://127.0.0.1:{_closed_port()}/0", socket_connect_timeout=0.5)
    uow, entries = PgGraphUnitOfWork(pool), PgInvalidationLog(pool)
    try:
        warm = RedisGraphCache(live, ttl_seconds=60)
        before = await warm.relationship_version(author)

        async def no_followers() -> list[int]:
            return []

        assert await warm.follower_ids(author, None, 10, no_followers) == ([], 0)  # cached without the follower

        dying = Invalidations(RedisGraphCache(down, ttl_seconds=60), entries, settle_after_seconds=30)
        entry_ids = await _follow(uow, follower, author)
        await dying.after_commit([author, follower], entry_ids)
        assert dying.settled == []  # Redis refused: nothing to remove
        del dying  # the process dies with its pending set; Redis still holds the old follower set
        assert await _logged(pool, entry_ids) == 2

        cache = RedisGraphCache(live, ttl_seconds=60)
        restarted = Invalidations(cache, entries, settle_after_seconds=30)
        await restarted.recover()
        assert {author, follower} <= cache.pending
        assert await cache.relationship_version(author) == ""  # unknown until invalidated: PostgreSQL answers
        assert await cache.follower_ids(author, None, 10, no_followers) is None

        await restarted.retry()
        assert not cache.pending
        after = await cache.relationship_version(author)
        assert after and after != before
        assert not await live.exists(redis_keys.graph_followers(author))

        # The entries stay until they are old; any process then settles them.
        await Invalidations(cache, entries, settle_after_seconds=0).settle_old()
        assert await _logged(pool, entry_ids) == 0
    finally:
        async with uow() as tx:
            await tx.remove_follows([(follower, author)])
        await live.delete(*(redis_keys.graph_generation(u) for u in (author, follower)))
        await live.delete(redis_keys.graph_followers(author), redis_keys.graph_counts(author))
        await live.aclose()
        await down.aclose()


async def test_an_invalidation_redis_took_leaves_nothing_in_the_log(
    pool: asyncpg.Pool, stack_settings: StackSettings
) -> None:
    author, follower = random.randrange(10**15, 10**16), random.randrange(10**15, 10**16)
    live = aioredis.from_url(stack_settings.redis_url)
    uow = PgGraphUnitOfWork(pool)
    invalidations = Invalidations(
        RedisGraphCache(live, ttl_seconds=60), PgInvalidationLog(pool), settle_after_seconds=30
    )
    try:
        entry_ids = await _follow(uow, follower, author)
        await invalidations.after_commit([author, follower], entry_ids)
        assert sorted(invalidations.settled) == sorted(entry_ids)
        await invalidations.retry()
        assert invalidations.settled == []
        assert await _logged(pool, entry_ids) == 0
    finally:
        async with uow() as tx:
            await tx.remove_follows([(follower, author)])
        await live.delete(*(redis_keys.graph_generation(u) for u in (author, follower)))
        await live.aclose()
