"""The graph service's settings, from FEEDMESH_* environment variables (see stack/defaults.env)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.redis_sentinel import RedisSentinelSettings
from services.common.settings import ServerSettings, SettingsError, env_name


@dataclass(frozen=True)
class GraphSettings(RedisSentinelSettings, ServerSettings):
    service_name: str = "graph"
    pg_dsn: str = ""
    redis_url: str = ""
    kafka_bootstrap: str = ""
    auth_target: str = "127.0.0.1:50051"
    pg_pool_size: int = 10
    # Authors with at least this many followers are celebrities: pulled at read time instead of pushed. The graph
    # alone decides it; the timeline reads the decision from ListFollowerIds and ListFolloweeIds.
    celebrity_threshold: int = 10_000
    # How long a cached profile, follower set or count lives when nothing invalidates it.
    profile_cache_ttl_seconds: int = 600
    graph_cache_ttl_seconds: int = 600
    # How often invalidations Redis did not take (down, or loading after a restart) are tried again.
    invalidation_retry_seconds: float = 0.5
    # Invalidation log entries older than this are settled by any graph process: their writer died before Redis
    # took them. Well above the time a live process needs to invalidate and remove its own entries.
    invalidation_settle_after_seconds: float = 30.0
    # Follower sets larger than this are not cached: their pages come from PostgreSQL's index.
    follower_cache_max_ids: int = 200_000

    def validate(self) -> None:
        super().validate()
        for name in ("pg_dsn", "redis_url", "kafka_bootstrap", "auth_target"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} is required but not set")
        if ":" not in self.auth_target:
            raise SettingsError(f"{env_name('auth_target')}={self.auth_target!r}: expected host:port")
        for name in (
            "pg_pool_size",
            "celebrity_threshold",
            "profile_cache_ttl_seconds",
            "graph_cache_ttl_seconds",
            "follower_cache_max_ids",
            "invalidation_retry_seconds",
            "invalidation_settle_after_seconds",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{env_name(name)} must be > 0, got {getattr(self, name)}")
