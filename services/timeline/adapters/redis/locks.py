"""Redis: named locks that expire (services.common.redis_keys.lock)."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.common import redis_keys


class RedisLocks:
    """Implements app.ports.Locks."""

    def __init__(self, client: aioredis.Redis, *, prefix: str = redis_keys.TIMELINE_PREFIX):
        self.client = client
        self.prefix = prefix

    async def try_lock(self, name: str, seconds: float) -> bool:
        key = redis_keys.lock(name, self.prefix)
        return bool(await self.client.set(key, "1", nx=True, px=int(seconds * 1000)))

    async def unlock(self, name: str) -> None:
        await self.client.delete(redis_keys.lock(name, self.prefix))
