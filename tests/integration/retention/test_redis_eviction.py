"""A full Redis degrades instead of failing writes: under the stack's eviction policy (read from
stack/components/redis.sh) a small Redis of this test's own is filled through the services' adapters far past its
memory. Every write succeeds, home timelines are evicted (a read then finds no cache and rebuilds, never a partial
one), and what has no other copy (notification read markers and unread ids, the post tombstones, the pull-only
authors, the readers' sources) survives whole. The stack's Redis is never touched."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from services.common import post_tombstones, redis_keys
from services.common.polling import wait_until_sync
from services.common.redis_mux import RedisMux
from services.notification.adapters.redis_unread import RedisUnread
from services.timeline.adapters.redis.readers import RedisReaders
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.adapters.redis.timeline_caches import RedisTimelineCaches
from services.timeline.app.ports import StreamKind
from stack.settings import ROOT

HOME_CAP = 200
READERS = 150  # each home timeline holds HOME_CAP ids: about 3.5 MB in all, against 2 MB
USERS = 200  # notification users and timeline readers with state that has no other copy
SETTINGS = TimelineRedisSettings(home_max=HOME_CAP, author_max=HOME_CAP, inactive_seconds=30 * 86_400)


def _stack_policy() -> list[str]:
    """The eviction flags the stack starts Redis with."""
    script = (ROOT / "stack" / "components" / "redis.sh").read_text()
    policy = re.search(r"--maxmemory-policy (\S+)", script)
    samples = re.search(r"--maxmemory-samples (\d+)", script)
    assert policy and samples, "stack/components/redis.sh names its eviction policy and samples"
    return ["--maxmemory-policy", policy.group(1), "--maxmemory-samples", samples.group(1)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def small_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt redis-server)")
    directory: Path = tmp_path_factory.mktemp("small-redis")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory), "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--maxmemory", "2mb", *_stack_policy()],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    probe = Redis(port=port)
    try:

        def answers() -> bool:
            try:
                return bool(probe.ping())
            except RedisConnectionError:  # still starting
                return False

        wait_until_sync(answers, what="the test's own redis-server answers", within=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        probe.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def clients(small_redis_url: str) -> AsyncIterator[tuple[aioredis.Redis, RedisMux]]:
    client = aioredis.Redis.from_url(small_redis_url)
    mux = RedisMux(small_redis_url)
    await client.flushall()
    yield client, mux
    await mux.close()
    await client.aclose()


def _post_ids(reader: int) -> list[int]:
    """HOME_CAP ids of the reader's own, so every cached window is recognisable."""
    return [reader * 1_000_000 + i for i in range(1, HOME_CAP + 1)]


async def test_a_full_redis_evicts_home_timelines_and_keeps_what_has_no_other_copy(
    clients: tuple[aioredis.Redis, RedisMux],
) -> None:
    client, mux = clients
    caches = RedisTimelineCaches(client, mux, SETTINGS)
    readers = RedisReaders(client, mux, SETTINGS)
    unread = RedisUnread(mux, retention_seconds=365 * 86_400, cap=100)
    users = range(1, USERS + 1)
    deleted_posts = list(range(10_000_001, 10_002_001))

    # what has no other copy goes in first, so that it is the oldest, least recently used data when memory runs out
    await post_tombstones.rebuild(client, [(p, 1.0e9) for p in deleted_posts])
    new_ids = {user: [(user << 22) + n for n in range(1, 6)] for user in users}
    await unread.add(new_ids)
    for user in users:
        await unread.mark_read(user, new_ids[user][1])
        (touch, keys, args), _ = readers.touch_run(user)
        await mux.run_script(touch, keys, args)
        assert await readers.set_source(user, author=user + 1, floor=user * 7, generation=1)
    for author in range(1, 11):
        await readers.mark_pull_only(author)

    # home timelines: built from "Cassandra" (a fill), then pushed to, far past maxmemory
    committed: set[int] = set()
    for reader in range(1, READERS + 1):
        token = await caches.begin_fill(StreamKind.HOME, reader)
        assert token is not None
        # a fill's claim has a TTL, so it may be evicted too: its commit is then refused and the next read rebuilds
        if await caches.commit_fill(StreamKind.HOME, reader, token, _post_ids(reader), complete=True):
            committed.add(reader)
    assert len(committed) > READERS // 2
    pushed = 999_999_999
    await caches.push_home([([pushed], list(range(1, READERS + 1)))])

    info = await client.info()
    assert int(info["evicted_keys"]) > 0
    assert int(info["used_memory"]) <= 2 * 1024 * 1024 + 256 * 1024  # at maxmemory, give or take a write

    # the home timelines: each one is either gone (rebuilt on the next read) or whole, never partial
    windows = await caches.read_many(StreamKind.HOME, list(range(1, READERS + 1)), [None] * READERS, HOME_CAP)
    cached = [w for w in windows if w is not None]
    assert 0 < len(cached) < READERS
    for reader, window in zip(range(1, READERS + 1), windows, strict=True):
        if window is not None:
            assert reader in committed, reader
            assert window.ids == sorted([pushed, *_post_ids(reader)], reverse=True)[:HOME_CAP], reader
    # the oldest fills went first
    assert windows[0] is None

    # what has no other copy is all there
    assert await post_tombstones.deleted_among(client, [*deleted_posts, 42]) == set(deleted_posts)
    for user in users:
        assert await unread.read_marker(user) == new_ids[user][1]
        assert await unread.count(user) == 3
        assert await client.hgetall(redis_keys.reader(user).sources) == {str(user + 1).encode(): str(user * 7).encode()}
    assert len(await client.smembers(redis_keys.pull_only_authors())) == 10


async def test_a_cache_whose_set_was_evicted_is_no_cache(clients: tuple[aioredis.Redis, RedisMux]) -> None:
    """Eviction may take one key of a cache's pair: the `:lo` left behind must not vouch for an empty set."""
    client, mux = clients
    caches = RedisTimelineCaches(client, mux, SETTINGS)
    for reader in (1, 2, 3):
        token = await caches.begin_fill(StreamKind.HOME, reader)
        assert token is not None
        assert await caches.commit_fill(StreamKind.HOME, reader, token, _post_ids(reader), complete=True)
        await client.delete(redis_keys.home_timeline(reader).ids)  # what an eviction of the set does

    assert await caches.read(StreamKind.HOME, 1, None, 10) is None
    assert await caches.push_home([([999], [2])]) == [[False]]  # not written to: the follower has no cache
    await caches.add(StreamKind.HOME, {3: [999]})
    for reader in (1, 2, 3):
        keys = redis_keys.home_timeline(reader)
        assert await client.exists(keys.complete_from, keys.ids) == 0, reader
        assert await caches.begin_fill(StreamKind.HOME, reader) is not None  # a rebuild may start
