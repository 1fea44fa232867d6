"""Every Redis adapter of the timeline, built on one pair of connections (redis-py for the rest, RedisMux for the
scripts and hot paths)."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from services.common import post_tombstones, redis_keys
from services.common.redis_mux import RedisMux
from services.timeline.adapters.redis.id_lists import RedisIdLists
from services.timeline.adapters.redis.locks import RedisLocks
from services.timeline.adapters.redis.post_tombstones import RedisPostTombstones
from services.timeline.adapters.redis.posts_in_flight import RedisPostsInFlight
from services.timeline.adapters.redis.read_start import RedisReadStart
from services.timeline.adapters.redis.readers import RedisReaders
from services.timeline.adapters.redis.recent_posts import RedisRecentPosts
from services.timeline.adapters.redis.timeline_caches import RedisTimelineCaches


@dataclass(frozen=True)
class TimelineRedis:
    client: aioredis.Redis
    mux: RedisMux
    prefix: str
    timelines: RedisTimelineCaches
    readers: RedisReaders
    read_start: RedisReadStart
    recent_posts: RedisRecentPosts
    in_flight: RedisPostsInFlight
    tombstones: RedisPostTombstones
    locks: RedisLocks
    id_lists: RedisIdLists

    @classmethod
    def build(
        cls,
        client: aioredis.Redis,
        mux: RedisMux,
        *,
        home_max: int,
        author_max: int,
        inactive_seconds: int,
        prefix: str = redis_keys.TIMELINE_PREFIX,
        tombstones_key: str = post_tombstones.KEY,
        fill_ttl_seconds: float = 10.0,
        fills_log_seconds: float = 900.0,
        sources_cache_size: int = 100_000,
        recent_seconds: float = 600.0,
        in_flight_seconds: float = 120.0,
        scripts_at_once: int = 0,
    ) -> TimelineRedis:
        """Reads the adapters' Lua files. `scripts_at_once`: a batch's script calls are sent this many at a time
        (0: all in one round trip; see script_calls.run_batched)."""
        timelines = RedisTimelineCaches(
            client,
            mux,
            home_max=home_max,
            author_max=author_max,
            inactive_seconds=inactive_seconds,
            prefix=prefix,
            fill_ttl_seconds=fill_ttl_seconds,
            fills_log_seconds=fills_log_seconds,
            scripts_at_once=scripts_at_once,
        )
        readers = RedisReaders(
            client,
            mux,
            inactive_seconds=inactive_seconds,
            prefix=prefix,
            sources_cache_size=sources_cache_size,
            scripts_at_once=scripts_at_once,
        )
        in_flight = RedisPostsInFlight(mux, prefix=prefix, in_flight_seconds=in_flight_seconds)
        return cls(
            client=client,
            mux=mux,
            prefix=prefix,
            timelines=timelines,
            readers=readers,
            read_start=RedisReadStart(
                mux, readers=readers, timelines=timelines, in_flight=in_flight, tombstones_key=tombstones_key
            ),
            recent_posts=RedisRecentPosts(mux, in_flight, prefix=prefix, recent_seconds=recent_seconds),
            in_flight=in_flight,
            tombstones=RedisPostTombstones(client, mux, key=tombstones_key),
            locks=RedisLocks(client, prefix=prefix),
            id_lists=RedisIdLists(client, prefix=prefix),
        )
