"""The post service's tombstone set, as the timeline reads and marks it (services.common.post_tombstones)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import redis.asyncio as aioredis

from services.common import post_tombstones
from services.common.redis_mux import RedisMux


class RedisPostTombstones:
    """Implements app.ports.Tombstones."""

    def __init__(self, client: aioredis.Redis, mux: RedisMux, *, key: str = post_tombstones.KEY):
        self.client = client
        self.mux = mux
        self.key = key

    async def deleted_among(self, post_ids: Sequence[int]) -> set[int] | None:
        return await post_tombstones.deleted_among(self.mux, post_ids, self.key)

    async def mark_deleted(self, post_ids: Sequence[int]) -> None:
        await post_tombstones.add_if_present(self.client, post_ids, time.time(), self.key)
