"""The engagement service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.idempotency_pruning import DEFAULT_RETENTION_SECONDS
from services.common.redis_sentinel import RedisSentinelSettings
from services.common.settings import SettingsError, env_name
from services.common.tombstone_retention import DEFAULT_POST_CACHE_MAX_AGE_SECONDS
from services.engagement.abuse_settings import AbuseSettings


@dataclass(frozen=True, kw_only=True)
class EngagementSettings(RedisSentinelSettings, AbuseSettings):
    """The anti-abuse settings (budgets, burst guard, shadow-ban cache) come with AbuseSettings."""

    service_name: str = "engagement"
    listen_address: str = "127.0.0.1:50056"
    metrics_port: int = 9106
    pg_dsn: str
    redis_url: str
    kafka_bootstrap: str
    # Visibility: a post's author and audience from PostInternalService.BatchGetPosts, "may see" from
    # GraphInternalService.BatchCheckAudience (PostService.GetPost, as the caller, when the tombstone set is unknown).
    post_target: str = "127.0.0.1:50053"
    graph_target: str = "127.0.0.1:50052"
    # Visibility answers kept in the process (app.visible_posts): how many posts and (viewer, author) decisions,
    # and how long a decision is trusted at most when the graph could not publish a change.
    visibility_cache_size: int = 100_000
    visibility_cache_max_age_seconds: float = 60.0
    # A post's author and audience are reused at most this long, then asked again: the post service keeps tombstones
    # only a little longer (services.common.tombstone_retention), so a copy never outlives its post's tombstone.
    post_cache_max_age_seconds: float = DEFAULT_POST_CACHE_MAX_AGE_SECONDS
    pg_pool_size: int = 10
    # Likes without an Idempotency-Key commit in groups (adapters/grouped_likes.py): at most this many per
    # transaction, and this many transactions (each on a pooled connection) at a time. One at a time makes the
    # likes that arrive during a commit wait for it and go together in the next: a group is as large as the load.
    like_group_max: int = 256
    like_groups_in_flight: int = 1
    # The content-safety rules shared with posts (services.common.content_safety).
    content_denylist: tuple[str, ...] = ()
    content_max_links: int = 3
    # The flush: how often pending counter changes are added to the durable counters, and how many per statement.
    counter_flush_seconds: float = 0.5
    counter_flush_batch: int = 5000
    # The reconciliation sweep: how often it runs, and how far back it looks for posts whose counters changed (it
    # checks their Redis counts against PostgreSQL and drops those that differ, to be rebuilt).
    counter_sweep_seconds: float = 1.0
    counter_sweep_window_seconds: float = 30.0
    # A post's Redis counts live this long after their last change (then they are rebuilt on demand); the first
    # sweep after start looks back this far, since any post changed in it may still have counts in Redis.
    counter_cache_ttl_seconds: int = 6 * 3600
    # Posts recounted from their rows per sweep for feedmesh_engagement_counter_drift.
    counter_drift_sample: int = 20
    # How long the outbox relay lets events gather before it publishes them (services.common.outbox): every like
    # makes one, and a Kafka request costs the producer's network thread, the broker and the consumers more than the
    # events in it do, so fewer, larger requests; events reach Kafka up to this much later.
    outbox_linger_seconds: float = 0.05
    # How long published events stay in the outbox (0: deleted as they are published, the events being in Kafka).
    outbox_keep_sent_seconds: float = 0.0
    # Idempotency-Keys are kept this long, then pruned every `idempotency_prune_seconds` (services.common
    # .idempotency_pruning).
    idempotency_key_retention_seconds: float = DEFAULT_RETENTION_SECONDS
    idempotency_prune_seconds: float = 600.0

    def validate(self) -> None:
        super().validate()
        for name in ("pg_dsn", "redis_url", "kafka_bootstrap", "post_target", "graph_target"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} is required but not set")
        for name in (
            "pg_pool_size",
            "like_group_max",
            "like_groups_in_flight",
            "visibility_cache_size",
            "visibility_cache_max_age_seconds",
            "post_cache_max_age_seconds",
            "counter_flush_seconds",
            "counter_flush_batch",
            "counter_sweep_seconds",
            "counter_sweep_window_seconds",
            "counter_cache_ttl_seconds",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{env_name(name)} must be > 0, got {getattr(self, name)}")
        for name in ("outbox_linger_seconds", "outbox_keep_sent_seconds"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{env_name(name)} must be >= 0, got {getattr(self, name)}")
        if self.content_max_links < 0 or self.counter_drift_sample < 0:
            raise SettingsError(f"{env_name('content_max_links')} and {env_name('counter_drift_sample')} must be >= 0")
