"""The post service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.idempotency_pruning import DEFAULT_RETENTION_SECONDS
from services.common.redis_sentinel import RedisSentinelSettings
from services.common.settings import ServerSettings, SettingsError, env_name
from services.common.tombstone_retention import DEFAULT_POST_CACHE_MAX_AGE_SECONDS


@dataclass(frozen=True, kw_only=True)
class PostSettings(RedisSentinelSettings, ServerSettings):
    service_name: str = "post"
    listen_address: str = "127.0.0.1:50053"
    metrics_port: int = 9103
    pg_dsn: str
    kafka_bootstrap: str
    # The post tombstone set (services.common.post_tombstones) lives here.
    redis_url: str
    # The longest any reader keeps a post in memory (the timeline's and the engagement service's caches read the same
    # variable): tombstones are kept this long plus a margin (services.common.tombstone_retention), then trimmed every
    # `tombstone_trim_seconds`.
    post_cache_max_age_seconds: float = DEFAULT_POST_CACHE_MAX_AGE_SECONDS
    tombstone_trim_seconds: float = 60.0
    auth_target: str = "127.0.0.1:50051"
    graph_target: str = "127.0.0.1:50052"
    media_target: str = "127.0.0.1:50058"
    # Empty (the default until the engagement service runs): reads answer zero counts, and say so in the metric
    # feedmesh_post_stats_degraded_total. An empty variable cannot override a default, hence no default here.
    engagement_target: str = ""
    engagement_timeout_seconds: float = 0.5
    # Comma-separated words or phrases refused in post text, matched case-insensitively on word boundaries.
    content_denylist: tuple[str, ...] = ()
    content_max_links: int = 3
    # Month partitions of post.posts kept ahead of the current month, and how often that is checked.
    partition_months_ahead: int = 2
    partition_check_seconds: float = 3600.0
    # Idempotency-Keys are kept this long, then pruned every `idempotency_prune_seconds` (services.common
    # .idempotency_pruning).
    idempotency_key_retention_seconds: float = DEFAULT_RETENTION_SECONDS
    idempotency_prune_seconds: float = 600.0

    def validate(self) -> None:
        super().validate()
        if self.content_max_links < 0:
            raise SettingsError(f"{env_name('content_max_links')} must be >= 0")
        if self.partition_months_ahead < 1:
            raise SettingsError(f"{env_name('partition_months_ahead')} must be >= 1")
        if self.partition_check_seconds <= 0:
            raise SettingsError(f"{env_name('partition_check_seconds')} must be > 0")
        for name in ("post_cache_max_age_seconds", "tombstone_trim_seconds"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{env_name(name)} must be > 0")
        if self.engagement_timeout_seconds <= 0:
            raise SettingsError(f"{env_name('engagement_timeout_seconds')} must be > 0")
