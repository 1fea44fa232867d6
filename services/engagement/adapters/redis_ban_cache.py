"""Each user's shadow-ban state cached in Redis over the PostgreSQL record (app.abuse_ports.ShadowBanLookup and
ShadowBanCache): asked on every engagement write, so a hit is one GET on the shared pipelined connection.

A miss reads PostgreSQL and stores the state only if no other value arrived meanwhile (SET NX), while an admin
change overwrites it after its commit: a reader that raced a ban can never put the old state back over the new one.
Entries expire after `ttl_seconds`, which also bounds how long a lost overwrite (Redis down during a ban) lasts.
Redis being down is a miss: PostgreSQL answers. The misses of concurrent requests are read from PostgreSQL together
(one statement for the users missed while one is in flight, adapters.coalesced_calls): a burst of users engaging for
the first time in a while costs a few statements, not one (and a pool reset) each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from prometheus_client import Counter

from services.common import redis_keys
from services.common.redis_mux import RedisMux, RedisMuxError, RedisReplyError
from services.engagement.adapters.coalesced_calls import CoalescedCalls
from services.engagement.app.abuse_ports import ShadowBanStore
from services.engagement.domain.shadow_bans import BanState

log = logging.getLogger(__name__)

LOOKUPS = Counter("feedmesh_engagement_ban_cache_lookups_total", "Shadow-ban state lookups", ["result"])
# Users whose stored state one statement reads at most.
_READ_BATCH = 500


class CachedShadowBans:
    def __init__(self, mux: RedisMux, store: ShadowBanStore, *, ttl_seconds: int):
        self.mux = mux
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._reads: CoalescedCalls[None, int, BanState] = CoalescedCalls(self._stored_many, max_batch=_READ_BATCH)

    async def state(self, user_id: int) -> BanState:
        key = redis_keys.engagement_ban_state(user_id)
        try:
            cached = await self.mux.execute("GET", key)
        except (RedisMuxError, RedisReplyError) as exc:
            LOOKUPS.labels("error").inc()
            log.warning("ban cache unavailable: reading PostgreSQL", extra={"error": str(exc)})
            return await self._stored(user_id)
        if cached is not None:
            LOOKUPS.labels("hit").inc()
            return BanState(cached.decode())
        LOOKUPS.labels("miss").inc()
        state = await self._stored(user_id)
        try:
            await self.mux.execute("SET", key, state.value, "EX", self.ttl_seconds, "NX")
        except (RedisMuxError, RedisReplyError) as exc:
            log.warning("ban cache unavailable: not filled", extra={"error": str(exc)})
        return state

    async def remember(self, user_id: int, state: BanState) -> None:
        await self.mux.execute("SET", redis_keys.engagement_ban_state(user_id), state.value, "EX", self.ttl_seconds)

    async def _stored(self, user_id: int) -> BanState:
        return await self._reads.ask(None, user_id)

    async def _stored_many(self, _: None, user_ids: Sequence[int]) -> list[BanState]:
        bans = await self.store.get_many(user_ids)
        return [bans[u].state if u in bans else BanState.NEVER for u in user_ids]
