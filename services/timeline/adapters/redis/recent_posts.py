"""Redis: each author's posts of the last minutes (services.common.redis_keys.recent_posts, member -> when noted,
ms), which a backfill reads along with the author's timeline in Cassandra while their writes there may still be in
flight. A note also puts the posts in flight (RedisPostsInFlight), in the same round trip."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from services.common import redis_keys
from services.common.redis_mux import RedisMux
from services.common.relationship_version import relationship_version_key
from services.timeline.adapters.redis.posts_in_flight import RedisPostsInFlight
from services.timeline.adapters.redis.script_calls import as_text
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.domain.ids import from_member, to_member


class RedisRecentPosts:
    """Implements app.ports.RecentPosts."""

    def __init__(self, mux: RedisMux, in_flight: RedisPostsInFlight, settings: TimelineRedisSettings):
        self.mux = mux
        self.in_flight = in_flight
        self.prefix = settings.prefix
        self.recent_ms = int(settings.recent_seconds * 1000)

    async def note_published(self, author: int, post_ids: Sequence[int]) -> str:
        key = redis_keys.recent_posts(author, self.prefix)
        now_ms = int(time.time() * 1000)
        writes: list[list[Any]] = []
        if post_ids:
            notes: list[Any] = []
            for post_id in post_ids:
                notes += [now_ms, to_member(post_id)]
            writes = [
                ["ZADD", key, *notes],
                ["PEXPIRE", key, self.recent_ms],
                *self.in_flight.noted_commands(author, post_ids, now_ms),
            ]
        # The version after the notes, on the same connection (answered in order): a change the version does not
        # show yet is backfilled later, from notes that are already there.
        *_, version = await self.mux.execute_many(
            [
                *writes,
                ["ZREMRANGEBYSCORE", key, "-inf", now_ms - self.recent_ms],
                ["GET", relationship_version_key(author)],
            ]
        )
        return as_text(version) if version else ""

    async def recently_published(self, author: int) -> list[int]:
        since_ms = int(time.time() * 1000) - self.recent_ms
        members = await self.mux.execute(
            "ZRANGEBYSCORE", redis_keys.recent_posts(author, self.prefix), since_ms, "+inf"
        )
        return sorted(map(from_member, members), reverse=True)
