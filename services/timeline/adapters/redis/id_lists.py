"""Redis: short-lived, tagged lists of post ids (services.common.redis_keys.id_list), one string `tag|id,id,...`. On
the shared pipelined connection: a ranked first page writes one and every next page of it reads one."""

from __future__ import annotations

from collections.abc import Sequence

from services.common import redis_keys
from services.common.redis_mux import RedisMux
from services.timeline.adapters.redis.script_calls import as_text


class RedisIdLists:
    """Implements app.ports.IdLists."""

    def __init__(self, mux: RedisMux, *, prefix: str = redis_keys.TIMELINE_PREFIX):
        self.mux = mux
        self.prefix = prefix

    async def put_ids(self, key: str, ids: Sequence[int], tag: str, seconds: float) -> None:
        value = tag + "|" + ",".join(map(str, ids))
        await self.mux.execute("SET", redis_keys.id_list(key, self.prefix), value, "PX", max(int(seconds * 1000), 1))

    async def get_ids(self, key: str) -> tuple[list[int], str] | None:
        raw = await self.mux.execute("GET", redis_keys.id_list(key, self.prefix))
        if raw is None:
            return None
        tag, _, joined = as_text(raw).partition("|")
        return ([int(x) for x in joined.split(",") if x], tag)
