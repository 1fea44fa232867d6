"""One offline chain run at a time across processes (`make train` beside the training service's schedule): a
redis-py lock that expires, so a run that died without releasing it blocks the next ones for `ttl_seconds` at most."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from services.common import redis_keys


class RedisRunLock:
    def __init__(self, client: Redis, models_bucket: str, ttl_seconds: float):
        self.client = client
        self.key = redis_keys.ranking_training_lock(models_bucket)
        self.ttl_seconds = ttl_seconds

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[bool]:
        """Yields whether this run got the lock (False: another run holds it)."""
        lock = self.client.lock(self.key, timeout=self.ttl_seconds, blocking=False)
        acquired = bool(await lock.acquire())
        try:
            yield acquired
        finally:
            if acquired:
                with contextlib.suppress(Exception):  # expired meanwhile: nothing left to release
                    await lock.release()
