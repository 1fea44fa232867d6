"""An invalidation of the graph cache that Redis does not take (down, or loading its data after a restart) is kept
and tried again: until then the users' cached followers and generation count as unknown, and once Redis takes it
the generation is a fresh one. Redis "down" is a client of a port where nothing listens; the real Redis answers
afterwards."""

from __future__ import annotations

import random
import socket

import redis.asyncio as aioredis

from services.common import redis_keys
from services.graph.adapters.redis_cache import RedisGraphCache
from stack.settings import StackSettings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_invalidation_redis_did_not_take_is_retried(stack_settings: StackSettings) -> None:
    author, follower = random.randrange(10**15, 10**16), random.randrange(10**15, 10**16)
    live = aioredis.from_url(stack_settings.redis_url)
    down = aioredis.from_url(f"redis://127.0.0.1:{_closed_port()}/0", socket_connect_timeout=0.5)
    cache = RedisGraphCache(live, ttl_seconds=60)
    try:
        before = await cache.relationship_version(author)
        assert before
        loads = []

        async def load_all() -> list[int]:
            loads.append(1)
            return []

        assert await cache.follower_ids(author, None, 10, load_all) == ([], 0)  # cached: an empty follower set
        assert await live.exists(redis_keys.graph_followers(author))

        cache.redis = down  # a follow commits while Redis is unreachable
        await cache.invalidate([author, follower])
        assert cache.pending == {author, follower}
        cache.redis = live  # Redis is back, with the old set and generation
        assert await cache.relationship_version(author) == ""  # unknown while the invalidation is pending
        assert await cache.follower_ids(author, None, 10, load_all) is None  # PostgreSQL answers
        assert await live.get(redis_keys.graph_generation(author)) == before.encode()

        await cache.invalidate_pending()
        assert cache.pending == set()
        after = await cache.relationship_version(author)
        assert after and after != before
        assert not await live.exists(redis_keys.graph_followers(author))
    finally:
        await live.delete(*(redis_keys.graph_generation(u) for u in (author, follower)))
        await live.delete(redis_keys.graph_followers(author), redis_keys.graph_counts(author))
        await live.aclose()
        await down.aclose()
