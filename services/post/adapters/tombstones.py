"""The post tombstone set in Redis (services.common.post_tombstones): marked after every committed delete, built
from PostgreSQL when it is missing."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.common import post_tombstones

log = logging.getLogger(__name__)

TOMBSTONE_WRITES = Counter("feedmesh_post_tombstone_writes_total", "Tombstone set updates", ["result"])

_DELETED_IDS = "SELECT id FROM post.posts WHERE deleted_at IS NOT NULL"


class RedisTombstones:
    def __init__(self, redis: Redis, pool: asyncpg.Pool):
        self.redis = redis
        self.pool = pool

    async def ensure(self) -> None:
        """Builds the set if it is missing (at start)."""
        try:
            if await post_tombstones.deleted_among(self.redis, []) is None:
                await self._rebuild()
        except (RedisError, OSError) as exc:
            log.warning("could not check the tombstone set", extra={"error": str(exc)})

    async def mark(self, post_ids: Sequence[int]) -> None:
        try:
            if await post_tombstones.add_if_present(self.redis, post_ids):
                TOMBSTONE_WRITES.labels("added").inc()
                return
            await self._rebuild()  # the ids are committed, so the rebuild includes them
        except (RedisError, OSError) as exc:
            TOMBSTONE_WRITES.labels("failed").inc()
            log.warning("could not mark posts deleted", extra={"error": str(exc), "post_ids": list(post_ids)})

    async def _rebuild(self) -> None:
        ids = [r["id"] for r in await self.pool.fetch(_DELETED_IDS)]
        await post_tombstones.rebuild(self.redis, ids)
        TOMBSTONE_WRITES.labels("rebuilt").inc()
        log.info("tombstone set rebuilt", extra={"deleted_posts": len(ids)})
