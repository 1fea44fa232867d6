"""The feature job's features in Redis (services.common.redis_keys, ranking section), read in one round trip: an
HMGET of the viewer's affinity hash and one MGET of the author and post strings, pipelined on the shared
connection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.common import redis_keys
from services.common.ranking_features import AFFINITY, AUTHOR, POST, unpack
from services.common.redis_mux import RedisMux, RedisMuxError, RedisReplyError
from services.ranking.app.ports import FeaturesUnavailable, StoredFeatures


class RedisFeatures:
    """Implements app.ports.FeatureStore."""

    def __init__(self, redis: RedisMux):
        self.redis = redis

    async def fetch(
        self, viewer: int, affinity_authors: Sequence[int], authors: Sequence[int], posts: Sequence[int]
    ) -> StoredFeatures:
        commands: list[list[Any]] = []
        if affinity_authors:
            commands.append(["HMGET", redis_keys.ranking_affinity(viewer), *affinity_authors])
        keys = [redis_keys.ranking_author(a) for a in authors] + [redis_keys.ranking_post(p) for p in posts]
        if keys:
            commands.append(["MGET", *keys])
        if not commands:
            return StoredFeatures()
        try:
            replies = await self.redis.execute_many(commands)
        except (RedisMuxError, RedisReplyError, OSError) as exc:
            raise FeaturesUnavailable(str(exc) or type(exc).__name__) from exc
        affinity_raw = replies.pop(0) if affinity_authors else []
        strings = replies[0] if keys else []
        found = StoredFeatures()
        for author, raw in zip(affinity_authors, affinity_raw, strict=True):
            if raw is not None:
                found.affinity[author] = unpack(raw, len(AFFINITY))
        for author, raw in zip(authors, strings[: len(authors)], strict=True):
            if raw is not None:
                found.author[author] = unpack(raw, len(AUTHOR))
        for post, raw in zip(posts, strings[len(authors) :], strict=True):
            if raw is not None:
                found.post[post] = unpack(raw, len(POST))
        return found

    async def features_run(self) -> str | None:
        try:
            raw = await self.redis.execute("GET", redis_keys.ranking_features_run())
        except (RedisMuxError, RedisReplyError, OSError) as exc:
            raise FeaturesUnavailable(str(exc) or type(exc).__name__) from exc
        return raw.decode() if isinstance(raw, bytes) else raw
