"""The post tombstone set keeps only what a reader may still need (services.common.tombstone_retention): tombstones
past the retention are trimmed, a rebuild from PostgreSQL takes only recent deletions, and a reader whose cached
copy is older than its maximum age asks the post service again, so a deleted post is not shown once its tombstone
went. Real Redis and PostgreSQL; the Redis keys are the test's own."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest
from redis.asyncio import Redis

from services.common import post_tombstones, tombstone_retention
from services.common.ids import EPOCH_MS
from services.common.redis import create_redis
from services.common.redis_mux import RedisMux
from services.post.adapters.postgres import PgPostRepository
from services.post.adapters.tombstones import RedisTombstones
from services.timeline.adapters.redis.post_tombstones import RedisPostTombstones
from services.timeline.app.peer_caches import CachedPosts
from services.timeline.domain.feed import Post
from stack.settings import StackSettings

MAX_AGE = 3600.0
RETENTION = tombstone_retention.retention_seconds(MAX_AGE)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class PgPosts:
    """The post service's BatchGetPosts answer (live posts only), read from PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self.asked: list[int] = []

    async def batch_get(self, post_ids: Sequence[int]) -> list[Post]:
        self.asked.extend(post_ids)
        async with self.pool.acquire() as conn:
            live = {p.id for p in await PgPostRepository().get_live_many(conn, post_ids)}
        return [Post(i, 1, "t", 1, 0) for i in post_ids if i in live]  # type: ignore[arg-type]


@pytest.fixture
async def stores(stack_settings: StackSettings) -> AsyncIterator[tuple[Redis, asyncpg.Pool, str]]:
    redis = create_redis(stack_settings.redis_url)
    pool = await asyncpg.create_pool(stack_settings.pg_dsn, min_size=1, max_size=2)
    key = f"test:tombstones:{uuid.uuid4().hex}"
    try:
        yield redis, pool, key
    finally:
        await redis.delete(key, f"{key}:staged")
        await pool.close()
        await redis.aclose()


def new_post_id() -> int:
    return ((int(time.time() * 1000) - EPOCH_MS) << 22) | random.randrange(1 << 22)


async def insert_post(pool: asyncpg.Pool, *, deleted_seconds_ago: float | None) -> int:
    post_id = new_post_id()
    deleted_at = None
    if deleted_seconds_ago is not None:
        deleted_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=deleted_seconds_ago)
    await pool.execute(
        "INSERT INTO post.posts (id, author_id, text, visibility, deleted_at) VALUES ($1, $2, 't', 1, $3)",
        post_id,
        random.randrange(10**15, 10**16),
        deleted_at,
    )
    return post_id


async def test_the_rebuild_takes_only_deletions_within_the_retention(stores: tuple[Redis, asyncpg.Pool, str]) -> None:
    redis, pool, key = stores
    old = await insert_post(pool, deleted_seconds_ago=RETENTION + 600)
    recent = await insert_post(pool, deleted_seconds_ago=600)
    live = await insert_post(pool, deleted_seconds_ago=None)
    tombstones = RedisTombstones(redis, pool, post_cache_max_age_seconds=MAX_AGE, key=key)
    assert await post_tombstones.deleted_among(redis, [old, recent, live], key) is None  # not built: unknown
    await tombstones.ensure()
    assert await post_tombstones.deleted_among(redis, [old, recent, live], key) == {recent}
    score = await redis.zscore(key, str(recent))
    assert score is not None and abs(score - (time.time() - 600)) < 60


async def test_a_rebuild_merges_and_never_drops_a_mark_made_meanwhile(stores: tuple[Redis, asyncpg.Pool, str]) -> None:
    redis, _pool, key = stores
    await post_tombstones.rebuild(redis, [], key)
    marked = new_post_id()  # committed after the rebuild's read of PostgreSQL, say
    assert await post_tombstones.add_if_present(redis, [marked], time.time(), key)
    await post_tombstones.rebuild(redis, [], key)  # a rebuild that read PostgreSQL before that commit
    assert await post_tombstones.deleted_among(redis, [marked], key) == {marked}


async def test_tombstones_past_the_retention_are_trimmed_and_recent_ones_stay(
    stores: tuple[Redis, asyncpg.Pool, str],
) -> None:
    redis, pool, key = stores
    now = time.time()
    clock = Clock(now)
    tombstones = RedisTombstones(redis, pool, post_cache_max_age_seconds=MAX_AGE, key=key, clock=clock)
    await post_tombstones.rebuild(redis, [], key)
    old_ids = list(range(10**12, 10**12 + 20_000))
    for start in range(0, len(old_ids), 1000):
        assert await post_tombstones.add_if_present(redis, old_ids[start : start + 1000], now - RETENTION - 1, key)
    clock.now = now - 10
    await tombstones.mark([42, 43])  # marked 10 s ago
    grown = await redis.memory_usage(key)
    assert await post_tombstones.size(redis, key) == 20_002

    clock.now = now
    assert await tombstones.trim() == 20_000
    assert await post_tombstones.size(redis, key) == 2
    assert await post_tombstones.deleted_among(redis, [42, 43, old_ids[0], old_ids[-1]], key) == {42, 43}
    assert (await redis.memory_usage(key) or 0) < (grown or 0) / 4  # the hash table shrinks as Redis rehashes
    clock.now = now + RETENTION  # 10 s past these two's retention
    assert await tombstones.trim() == 2
    assert await post_tombstones.deleted_among(redis, [42, 43], key) == set()  # complete, and empty


async def test_a_reader_never_shows_a_deleted_post_again_once_its_tombstone_is_trimmed(
    stack_settings: StackSettings, stores: tuple[Redis, asyncpg.Pool, str]
) -> None:
    redis, pool, key = stores
    mux = RedisMux(stack_settings.redis_url)
    try:
        post_id = await insert_post(pool, deleted_seconds_ago=None)
        marker_clock = Clock(time.time())
        post_service = RedisTombstones(redis, pool, post_cache_max_age_seconds=MAX_AGE, key=key, clock=marker_clock)
        await post_service.ensure()
        peer = PgPosts(pool)
        reader = CachedPosts(peer, RedisPostTombstones(redis, mux, key=key), size=100, max_age_seconds=MAX_AGE)
        reader_clock = Clock(1000.0)
        reader.lru.clock = reader_clock
        assert [p.id for p in await reader.live([post_id])] == [post_id]  # asked, and kept

        await pool.execute("UPDATE post.posts SET deleted_at = now() WHERE id = $1", post_id)
        await post_service.mark([post_id])  # as DeletePost does after its commit
        assert await reader.live([post_id]) == []  # the tombstone hides the copy at once
        assert peer.asked == [post_id]

        # Both clocks move past the retention (the reader's copy is then older than its maximum age): the trim
        # removes the tombstone, and the reader, whose copy has expired, asks the post service, which leaves it out.
        reader_clock.now += RETENTION + 1
        marker_clock.now += RETENTION + 1
        assert await post_service.trim() >= 1
        assert await post_tombstones.deleted_among(redis, [post_id], key) == set()
        assert await reader.live([post_id]) == []
        assert peer.asked == [post_id, post_id]
    finally:
        await mux.close()
