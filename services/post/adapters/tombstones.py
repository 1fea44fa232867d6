"""The post tombstone set in Redis (services.common.post_tombstones): marked after every committed delete, built
from PostgreSQL when it is missing, trimmed to the retention window (services.common.tombstone_retention)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import asyncpg
from prometheus_client import Counter, Gauge
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.common import post_tombstones, redis_keys, tombstone_retention
from services.common.postgres import load_sql

log = logging.getLogger(__name__)

TOMBSTONE_WRITES = Counter("feedmesh_post_tombstone_writes_total", "Tombstone set updates", ["result"])
TOMBSTONES_TRIMMED = Counter(
    "feedmesh_post_tombstones_trimmed_total", "Tombstones removed because they are older than the retention window"
)
TOMBSTONES_HELD = Gauge(
    "feedmesh_post_tombstones", "Tombstones in the set after the last trim (-1: the set is missing, readers ask)"
)

_RECENTLY_DELETED = load_sql(__file__, "recently_deleted.sql")


class RedisTombstones:
    def __init__(
        self,
        redis: Redis,
        pool: asyncpg.Pool,
        *,
        post_cache_max_age_seconds: float = tombstone_retention.DEFAULT_POST_CACHE_MAX_AGE_SECONDS,
        key: str = post_tombstones.KEY,
        clock: Callable[[], float] = time.time,
    ):
        self.redis = redis
        self.pool = pool
        self.max_age = post_cache_max_age_seconds
        self.retention = tombstone_retention.retention_seconds(post_cache_max_age_seconds)
        self.key = key
        self.clock = clock

    async def ensure(self) -> None:
        """Completes the set from PostgreSQL at start, present or not (a set left by a process that did not mark
        every deletion, e.g. of another version, would otherwise be trusted), and drops the former unbounded set,
        which no longer follows deletions (its readers, finding no sentinel, ask the post service)."""
        try:
            await self.redis.delete(redis_keys.LEGACY_POST_TOMBSTONES)
            await self._rebuild()
        except (RedisError, OSError) as exc:
            log.warning("could not check the tombstone set", extra={"error": str(exc)})

    async def mark(self, post_ids: Sequence[int]) -> None:
        try:
            if await post_tombstones.add_if_present(self.redis, post_ids, self.clock(), self.key):
                TOMBSTONE_WRITES.labels("added").inc()
                return
            await self._rebuild()  # the ids are committed, so the rebuild includes them
        except (RedisError, OSError) as exc:
            TOMBSTONE_WRITES.labels("failed").inc()
            log.warning("could not mark posts deleted", extra={"error": str(exc), "post_ids": list(post_ids)})

    async def trim(self) -> int:
        """Removes the tombstones no reader can need any more (run on a timer); how many went."""
        before = tombstone_retention.trim_before(self.clock(), self.max_age)
        removed = await post_tombstones.trim(self.redis, before, self.key)
        held = await post_tombstones.size(self.redis, self.key)
        TOMBSTONES_TRIMMED.inc(removed)
        TOMBSTONES_HELD.set(-1 if held is None else held)
        return removed

    async def _rebuild(self) -> None:
        rows = await self.pool.fetch(_RECENTLY_DELETED, self.retention)
        await post_tombstones.rebuild(self.redis, [(r["id"], r["deleted_at"]) for r in rows], self.key)
        TOMBSTONE_WRITES.labels("rebuilt").inc()
        log.info("tombstone set rebuilt", extra={"deleted_posts": len(rows)})
