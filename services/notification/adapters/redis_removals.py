"""The removals' facts mirrored in Redis (services.common.redis_keys, notification section): a sorted set per
recipient of its removed sources and one of removed subjects, each scored by its last removal time in ms (ZADD GT:
the latest wins), so a batch's drafts are judged before they are visible in one Redis round trip. Facts older than
the retention are dropped on each write, as the store's rows expire with it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from services.common import redis_keys
from services.common.redis_mux import Command, RedisMux

_MEMBERS_PER_CALL = 500  # ZMSCORE members per command: a storm's many sources go in a few short commands


def _ms(score: Any) -> int | None:
    return None if score is None else int(float(score))


class RedisRemovals:
    def __init__(
        self,
        redis: RedisMux,
        *,
        retention_seconds: int,
        clock: Callable[[], float] = time.time,
        tombstones_key: str = redis_keys.NOTIFICATION_TOMBSTONES,
    ):
        self.redis = redis
        self.retention_seconds = retention_seconds
        self.clock = clock
        # Every writer prunes the one set by its own retention: a test with a short one uses a set of its own.
        self.tombstones_key = tombstones_key

    def _expired_below(self) -> int:
        return int(self.clock() * 1000) - self.retention_seconds * 1000

    async def removed_sources(self, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], int]:
        by_recipient: dict[int, list[str]] = {}
        for recipient, source in dict.fromkeys(keys):
            by_recipient.setdefault(recipient, []).append(source)
        asked: list[tuple[int, list[str]]] = [
            (recipient, sources[i : i + _MEMBERS_PER_CALL])
            for recipient, sources in by_recipient.items()
            for i in range(0, len(sources), _MEMBERS_PER_CALL)
        ]
        if not asked:
            return {}
        commands: list[Command] = [
            ["ZMSCORE", redis_keys.notification_removed_sources(r), *sources] for r, sources in asked
        ]
        replies = await self.redis.execute_many(commands)
        found: dict[tuple[int, str], int] = {}
        for (recipient, sources), scores in zip(asked, replies, strict=True):
            for source, score in zip(sources, scores, strict=True):
                if (at := _ms(score)) is not None:
                    found[(recipient, source)] = at
        return found

    async def tombstones(self, subjects: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(subjects))
        parts = [wanted[i : i + _MEMBERS_PER_CALL] for i in range(0, len(wanted), _MEMBERS_PER_CALL)]
        if not parts:
            return {}
        key = self.tombstones_key
        replies = await self.redis.execute_many([["ZMSCORE", key, *part] for part in parts])
        found: dict[str, int] = {}
        for part, scores in zip(parts, replies, strict=True):
            for subject, score in zip(part, scores, strict=True):
                if (at := _ms(score)) is not None:
                    found[subject] = at
        return found

    async def source_removed(self, recipient_id: int, source: str, at_ms: int) -> None:
        key = redis_keys.notification_removed_sources(recipient_id)
        await self.redis.execute_many(
            [
                ["ZADD", key, "GT", at_ms, source],
                ["ZREMRANGEBYSCORE", key, "-inf", f"({self._expired_below()}"],
                ["EXPIRE", key, self.retention_seconds],
            ]
        )

    async def subject_removed(self, subject: str, at_ms: int) -> None:
        key = self.tombstones_key
        await self.redis.execute_many(
            [["ZADD", key, "GT", at_ms, subject], ["ZREMRANGEBYSCORE", key, "-inf", f"({self._expired_below()}"]]
        )
