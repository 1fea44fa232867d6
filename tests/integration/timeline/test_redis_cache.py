"""The timeline's Redis scripts against the real Redis: the fanout push (active readers only, capped, `lo` left
lazy) and what reads and removals make of a set trimmed that way."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from services.common.redis import create_redis
from services.timeline.adapters.redis_cache import RedisTimelineCache
from services.timeline.app.ports import StreamKind
from stack.settings import StackSettings

CAP = 5
HOME = StreamKind.HOME


@pytest.fixture
async def cache(stack_settings: StackSettings) -> AsyncIterator[RedisTimelineCache]:
    client = create_redis(stack_settings.redis_url)
    yield RedisTimelineCache(
        client, home_max=CAP, author_max=CAP, inactive_seconds=3600, prefix=f"tl-t-{uuid.uuid4().hex[:8]}"
    )
    await client.aclose()


OLD = 1  # an old post id every home cache here starts with (an empty cache is not kept)


async def empty_home(cache: RedisTimelineCache, reader: int) -> None:
    await cache.touch(reader)  # active
    token = await cache.begin_fill(HOME, reader)
    assert token is not None
    assert await cache.commit_fill(HOME, reader, token, [OLD], complete=True)


async def test_push_reaches_active_readers_only_and_reports_which(cache: RedisTimelineCache) -> None:
    await empty_home(cache, 1)
    await empty_home(cache, 3)
    await cache.touch(4)  # active, but no home cache yet: nothing to write into (its next read fills from Cassandra)
    flags = await cache.push_home([(100, [1, 2, 3, 4]), (101, [2, 3])])
    assert flags == [[True, False, True, False], [False, True]]
    assert (await cache.read(HOME, 1, None, 10)).ids == [100, OLD]  # type: ignore[union-attr]
    assert (await cache.read(HOME, 3, None, 10)).ids == [101, 100, OLD]  # type: ignore[union-attr]
    assert await cache.read(HOME, 2, None, 10) is None
    assert await cache.read(HOME, 4, None, 10) is None


async def test_a_trimmed_set_vouches_only_from_its_least_id_even_after_removals(cache: RedisTimelineCache) -> None:
    await empty_home(cache, 7)
    for post in range(100, 108):  # 8 pushes into a cap of 5: 100..102 trimmed
        await cache.push_home([(post, [7])])
    got = await cache.read(HOME, 7, None, 10)
    assert got is not None and got.ids == [107, 106, 105, 104, 103] and got.low == 103  # OLD trimmed first
    await cache.push_home([(101, [7])])  # a late, older delivery: below what the set vouches for
    assert (await cache.read(HOME, 7, None, 10)).ids == [107, 106, 105, 104, 103]  # type: ignore[union-attr]
    await cache.remove(HOME, 7, [105, 999])
    got = await cache.read(HOME, 7, None, 10)
    assert got is not None and got.ids == [107, 106, 104, 103] and got.low == 103  # not back to "everything"


async def test_pipelined_scripts_survive_a_redis_that_lost_them(cache: RedisTimelineCache) -> None:
    await empty_home(cache, 9)
    await cache.client.script_flush()  # a restarted Redis, or SCRIPT FLUSH
    assert await cache.push_home([(200, [9])]) == [[True]]
    await cache.client.script_flush()
    (got,) = await cache.read_many(HOME, [9], [None], 10)
    assert got is not None and got.ids == [200, OLD]


async def test_a_home_cache_lives_as_long_as_its_reader_is_active(cache: RedisTimelineCache) -> None:
    await empty_home(cache, 11)
    lo, z = f"{cache.prefix}:{{h:11}}:lo", f"{cache.prefix}:{{h:11}}:z"
    assert 0 < await cache.client.ttl(lo) <= 3600 < await cache.client.ttl(z)  # lo goes first: never a half pair
    await cache.client.expire(lo, 5)
    await cache.touch(11)  # a read renews both
    assert await cache.client.ttl(lo) > 3000
    await cache.remove(HOME, 11, [OLD])  # emptied: the cache goes, the next read fills it again
    assert await cache.read(HOME, 11, None, 10) is None
