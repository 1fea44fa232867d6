"""Redis: short-lived, tagged lists of post ids (services.common.redis_keys.id_list), one string `tag|id,id,...`."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from services.common import redis_keys
from services.timeline.adapters.redis.script_calls import as_text


class RedisIdLists:
    """Implements app.ports.IdLists."""

    def __init__(self, client: aioredis.Redis, *, prefix: str = redis_keys.TIMELINE_PREFIX):
        self.client = client
        self.prefix = prefix

    async def put_ids(self, key: str, ids: Sequence[int], tag: str, seconds: float) -> None:
        value = tag + "|" + ",".join(map(str, ids))
        await self.client.set(redis_keys.id_list(key, self.prefix), value, px=max(int(seconds * 1000), 1))

    async def get_ids(self, key: str) -> tuple[list[int], str] | None:
        raw = await self.client.get(redis_keys.id_list(key, self.prefix))
        if raw is None:
            return None
        tag, _, joined = as_text(raw).partition("|")
        return ([int(x) for x in joined.split(",") if x], tag)
