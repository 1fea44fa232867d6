"""The notifications that are visible but not yet durable, in Redis (services.common.redis_keys,
notification_pending): one hash per recipient, written when a batch's notifications are judged, its fields deleted
once their rows are in Cassandra. Losing it (a Redis restart) loses nothing: the consumer writes the rows anyway and
commits its batch only after they are written."""

from __future__ import annotations

from collections.abc import Sequence

from services.common import redis_keys
from services.common.redis_mux import Command, RedisMux
from services.notification.domain.model import Notification
from services.notification.domain.pending import pack, unpack

# A process that dies between the two writes leaves its fields behind: its batch is delivered again and written,
# and the key expires this long after its last write, so that such fields do not stay for good.
_KEY_SECONDS = 600


def _by_recipient(notifications: Sequence[Notification]) -> dict[int, list[Notification]]:
    by_recipient: dict[int, list[Notification]] = {}
    for n in notifications:
        by_recipient.setdefault(n.recipient_id, []).append(n)
    return by_recipient


class RedisPending:
    def __init__(self, redis: RedisMux):
        self.redis = redis

    async def add(self, notifications: Sequence[Notification]) -> None:
        commands: list[Command] = []
        for recipient, ns in _by_recipient(notifications).items():
            key = redis_keys.notification_pending(recipient)
            commands.append(["HSET", key, *(part for n in ns for part in (n.id, pack(n)))])
            commands.append(["EXPIRE", key, _KEY_SECONDS])
        await self.redis.execute_many(commands)

    async def forget(self, notifications: Sequence[Notification]) -> None:
        commands: list[Command] = [
            ["HDEL", redis_keys.notification_pending(recipient), *(n.id for n in ns)]
            for recipient, ns in _by_recipient(notifications).items()
        ]
        await self.redis.execute_many(commands)

    async def of(self, recipient_id: int) -> list[Notification]:
        raw = await self.redis.execute("HGETALL", redis_keys.notification_pending(recipient_id))
        pairs = zip(raw[::2], raw[1::2], strict=True)
        return [unpack(recipient_id, int(field), value.decode()) for field, value in pairs]
