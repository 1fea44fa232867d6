"""Unread counts and read markers in Redis (services.common.redis_keys, notification section; scripts in lua/).
Ids are zero-padded to 20 digits so the sorted set orders them exactly (a double score cannot hold 64 bits)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from services.common import redis_keys
from services.common.ids import min_id_at
from services.common.redis_mux import RedisMux, load_script

_IDS_PER_RUN = 500  # ids per script run: a like storm's thousands for one user go in a few short runs


def padded(notification_id: int) -> str:
    return f"{notification_id:020d}"


class RedisUnread:
    def __init__(self, redis: RedisMux, *, retention_seconds: int, cap: int, clock: Callable[[], float] = time.time):
        self.redis = redis
        self.retention_ms = retention_seconds * 1000
        self.cap = cap
        self.clock = clock
        self._add = load_script(__file__, "add_unread.lua")
        self._mark = load_script(__file__, "mark_read.lua")

    def _oldest_kept(self) -> str:
        return padded(min_id_at(int(self.clock() * 1000) - self.retention_ms))

    @staticmethod
    def _keys(user_id: int) -> list[str]:
        return [redis_keys.notification_unread(user_id), redis_keys.notification_read_marker(user_id)]

    async def add(self, ids_by_recipient: Mapping[int, Sequence[int]]) -> None:
        """Every recipient's new ids in one round trip (a script run per recipient and slice of ids)."""
        oldest = self._oldest_kept()
        calls = [
            (self._keys(recipient), [oldest, self.cap, *map(padded, ids[start : start + _IDS_PER_RUN])])
            for recipient, ids in ids_by_recipient.items()
            for start in range(0, len(ids), _IDS_PER_RUN)
        ]
        if calls:
            await self.redis.run_script_many(self._add, calls)

    async def remove(self, recipient_id: int, notification_ids: Sequence[int]) -> None:
        if notification_ids:
            await self.redis.execute(
                "ZREM", redis_keys.notification_unread(recipient_id), *map(padded, notification_ids)
            )

    async def count(self, recipient_id: int) -> int:
        key = redis_keys.notification_unread(recipient_id)
        return int(await self.redis.execute("ZLEXCOUNT", key, "[" + self._oldest_kept(), "+"))

    async def mark_read(self, recipient_id: int, up_to_id: int) -> None:
        await self.redis.run_script(self._mark, self._keys(recipient_id), [padded(up_to_id)])

    async def read_marker(self, recipient_id: int) -> int:
        value = await self.redis.execute("GET", redis_keys.notification_read_marker(recipient_id))
        return int(value) if value else 0
