"""What the timeline's Redis adapters are built with: the caps, periods and key prefix (from TimelineSettings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common import post_tombstones, redis_keys


@dataclass(frozen=True)
class TimelineRedisSettings:
    home_max: int
    author_max: int
    inactive_seconds: int
    """A reader is inactive this long after its last read; its home cache lives as long."""
    prefix: str = redis_keys.TIMELINE_PREFIX
    tombstones_key: str = post_tombstones.KEY
    fill_ttl_seconds: float = 10.0
    """How long a build of a missing cache may take before another may claim it."""
    fills_log_seconds: float = 900.0
    """How long the builds of home timelines are remembered (readers_filled_since)."""
    sources_cache_size: int = 100_000
    """Readers whose sources this process keeps, to have touch.lua not send them again while unchanged."""
    recent_seconds: float = 600.0
    """How long a noted post is remembered: far longer than a Cassandra write may take before it fails (and its
    event, handled again, notes the post again)."""
    in_flight_seconds: float = 120.0
    """A post stays in flight until it is pushed to every follower, or this long at most."""
