"""Every Redis adapter of the timeline, built on one pair of connections (redis-py for the rest, RedisMux for the
scripts and hot paths)."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from services.common.redis_mux import RedisMux
from services.timeline.adapters.redis.id_lists import RedisIdLists
from services.timeline.adapters.redis.locks import RedisLocks
from services.timeline.adapters.redis.post_tombstones import RedisPostTombstones
from services.timeline.adapters.redis.posts_in_flight import RedisPostsInFlight
from services.timeline.adapters.redis.read_start import RedisReadStart
from services.timeline.adapters.redis.readers import RedisReaders
from services.timeline.adapters.redis.recent_posts import RedisRecentPosts
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.adapters.redis.timeline_caches import RedisTimelineCaches


@dataclass(frozen=True)
class TimelineRedis:
    client: aioredis.Redis
    mux: RedisMux
    settings: TimelineRedisSettings
    timelines: RedisTimelineCaches
    readers: RedisReaders
    read_start: RedisReadStart
    recent_posts: RedisRecentPosts
    in_flight: RedisPostsInFlight
    tombstones: RedisPostTombstones
    locks: RedisLocks
    id_lists: RedisIdLists

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @classmethod
    def build(
        cls, client: aioredis.Redis, mux: RedisMux, settings: TimelineRedisSettings, *, scripts_at_once: int = 0
    ) -> TimelineRedis:
        """Reads the adapters' Lua files. `scripts_at_once`: a batch's script calls are sent this many at a time
        (0: all in one round trip; see script_calls.run_batched)."""
        timelines = RedisTimelineCaches(client, mux, settings, scripts_at_once=scripts_at_once)
        readers = RedisReaders(client, mux, settings, scripts_at_once=scripts_at_once)
        in_flight = RedisPostsInFlight(mux, settings)
        read_start = RedisReadStart(
            mux, readers=readers, timelines=timelines, in_flight=in_flight, tombstones_key=settings.tombstones_key
        )
        return cls(
            client=client,
            mux=mux,
            settings=settings,
            timelines=timelines,
            readers=readers,
            read_start=read_start,
            recent_posts=RedisRecentPosts(mux, in_flight, settings),
            in_flight=in_flight,
            tombstones=RedisPostTombstones(client, mux, key=settings.tombstones_key),
            locks=RedisLocks(client, prefix=settings.prefix),
            id_lists=RedisIdLists(mux, prefix=settings.prefix),
        )
