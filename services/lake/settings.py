"""The lake service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.settings import S3Settings, ServerSettings, SettingsError, env_name, require_positive


@dataclass(frozen=True, kw_only=True)
class LakeSettings(S3Settings, ServerSettings):
    service_name: str = "lake"
    listen_address: str = "127.0.0.1:50059"
    metrics_port: int = 9109
    kafka_bootstrap: str
    lake_bucket: str = "feedmesh-lake"
    lake_topics: tuple[str, ...] = ("feedmesh.posts", "feedmesh.graph", "feedmesh.engagement", "feedmesh.impressions")
    # A new group starts at the topics' beginnings: the lake keeps the history the topics still hold.
    consumer_group: str = "lake"
    consumer_offset_reset: str = "earliest"
    consumer_batch_size: int = 1000
    dead_letter_topic: str = "feedmesh.dead-letters"
    poison_after_failures: int = 5
    # > 0: start() waits up to this long for the consumer to get its partitions (tests).
    consumer_ready_seconds: float = 0.0
    # A flush writes the buffers when they hold this many events, when the oldest waited this long, or when this
    # many batches wait for it (the consumer's pipeline holds one more).
    flush_max_events: int = 50_000
    flush_max_age_seconds: float = 60.0
    flush_max_batches: int = 50
    upload_concurrency: int = 8
    # The Flush RPC's patience for the consumer to catch up (the caller's deadline may end it sooner).
    flush_timeout_seconds: float = 300.0
    # Closed hours are compacted every this many seconds (0: never), this long after the hour ends.
    compact_every_seconds: float = 300.0
    compact_grace_seconds: float = 600.0
    # Events are kept this many days, then dropped by the same timer (0: kept for ever). Training reads 14 days of
    # impressions with 30 days of features before them; the rest is room for experiments' reports and re-runs.
    events_retention_days: float = 90.0

    def validate(self) -> None:
        super().validate()
        self.check_s3()
        for name in ("kafka_bootstrap", "lake_bucket", "consumer_group"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} is required but not set")
        if not self.lake_topics:
            raise SettingsError(f"{env_name('lake_topics')} names no topic")
        require_positive(
            self,
            "consumer_batch_size",
            "poison_after_failures",
            "flush_max_events",
            "flush_max_age_seconds",
            "flush_max_batches",
            "upload_concurrency",
            "flush_timeout_seconds",
        )
        if self.events_retention_days < 0:
            raise SettingsError(f"{env_name('events_retention_days')} must be >= 0 (0: kept for ever)")
        if self.compact_every_seconds < 0 or self.compact_grace_seconds < 0:
            raise SettingsError(f"{env_name('compact_every_seconds')} and _GRACE_SECONDS must be >= 0")
        if self.consumer_offset_reset not in {"earliest", "latest"}:
            raise SettingsError(f"{env_name('consumer_offset_reset')} must be 'earliest' or 'latest'")
