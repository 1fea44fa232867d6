"""The online features in Redis (services/common/redis_keys.py ranking_*, values by ranking_features.pack), written
in pipelined chunks, every key with the run's TTL."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl
from redis.asyncio import Redis

from services.common import redis_keys
from services.common.ranking_features import pack
from services.training.domain.online import OnlineFeatures

CHUNK = 1000  # commands per pipeline round trip


class RedisFeatures:
    def __init__(self, client: Redis):
        self.client = client

    async def _send(self, commands: list[tuple[Any, ...]]) -> None:
        for start in range(0, len(commands), CHUNK):
            pipe = self.client.pipeline(transaction=False)
            for name, *args in commands[start : start + CHUNK]:
                getattr(pipe, name)(*args)
            await pipe.execute()

    async def write(self, features: OnlineFeatures, run_id: str, ttl_seconds: int) -> int:
        by_viewer: dict[int, dict[str, str]] = defaultdict(dict)
        for viewer, author, *values in features.affinity.iter_rows():
            by_viewer[viewer][str(author)] = pack(values)
        commands: list[tuple[Any, ...]] = []
        for viewer, mapping in by_viewer.items():
            staging = redis_keys.ranking_affinity_staging(viewer)
            commands += [
                ("delete", staging),
                ("hset", staging, None, None, mapping),
                ("expire", staging, ttl_seconds),
                ("rename", staging, redis_keys.ranking_affinity(viewer)),
            ]
        commands += _strings(features.author, redis_keys.ranking_author, ttl_seconds)
        commands += _strings(features.post, redis_keys.ranking_post, ttl_seconds)
        commands.append(("set", redis_keys.ranking_features_run(), run_id, ttl_seconds))
        await self._send(commands)
        return len(by_viewer) + features.author.height + features.post.height


def _strings(frame: pl.DataFrame, key: Any, ttl_seconds: int) -> list[tuple[Any, ...]]:
    return [("set", key(owner), pack(values), ttl_seconds) for owner, *values in frame.iter_rows()]
