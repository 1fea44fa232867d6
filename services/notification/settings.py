"""The notification service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.redis_sentinel import RedisSentinelSettings
from services.common.settings import CassandraSettings, ServerSettings, SettingsError, env_name


@dataclass(frozen=True, kw_only=True)
class NotificationSettings(RedisSentinelSettings, CassandraSettings, ServerSettings):
    service_name: str = "notification"
    listen_address: str = "127.0.0.1:50057"
    metrics_port: int = 9107
    redis_url: str
    kafka_bootstrap: str
    # Actors come from auth; mentions and close friends need the graph (visibility) and the post service.
    auth_target: str = "127.0.0.1:50051"
    graph_target: str = "127.0.0.1:50052"
    post_target: str = "127.0.0.1:50053"

    # How long a notification is kept (a Cassandra TTL on every row written, and the unread count's window).
    retention_days: float = 365.0
    # Unread ids kept per user in Redis; past it the oldest unread ones count as read.
    unread_max: int = 10_000
    # A live stream sends a heartbeat after this long without a notification (under the gateway's 60 s stream idle
    # timeout).
    stream_heartbeat_seconds: float = 15.0
    # How long a visibility answer of the graph is reused (0: never); see adapters/peers.py GraphPeer.
    visibility_cache_seconds: float = 5.0

    # Kafka: the topics consumed, the group, where a new group starts, and the members in this process. One member
    # by default: the three topics' events about one post or pair then apply one at a time (see README, "Order").
    graph_topic: str = "feedmesh.graph"
    posts_topic: str = "feedmesh.posts"
    engagement_topic: str = "feedmesh.engagement"
    consumer_group: str = "notification"
    # A new group starts at the topics' ends: a first deployment notifies from its start rather than replaying a
    # week of history (every follow a benchmark made) into Cassandra while the stack comes up.
    consumer_offset_reset: str = "latest"
    consumer_members: int = 1
    consumer_batch_size: int = 500
    # Batches a member has started and not finished (app/ingest.py): each runs while the member polls and starts the
    # next, so an event waits for its own batch's round trips, not for the batches before it; the batches take turns
    # only for their removals and for handing their rows over. A member with this many unfinished stops polling
    # until the oldest is done, so it is above what a burst keeps unfinished while the store is slow.
    consumer_pipeline_depth: int = 16
    # The broker answers the member's fetch once it holds this many bytes for it, or after this long: a burst comes in
    # batches of a few tens of milliseconds of events instead of one per fetch round trip, since every batch costs
    # the store reads of its own in its rest (the wait adds at most this long to the delay to visible).
    consumer_fetch_min_bytes: int = 16_384
    consumer_fetch_max_wait_ms: int = 40
    dead_letter_topic: str = "feedmesh.dead-letters"
    poison_after_failures: int = 5
    # False: serve reads only (a replica that joins no consumer group).
    consume: bool = True
    # > 0: start() waits up to this long for the consumer to get its partitions (tests).
    consumer_ready_seconds: float = 0.0

    def validate(self) -> None:
        super().validate()
        for name in ("redis_url", "kafka_bootstrap", "auth_target", "graph_target", "post_target"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} is required but not set")
        self.check_cassandra()
        for name in (
            "retention_days",
            "unread_max",
            "stream_heartbeat_seconds",
            "consumer_members",
            "consumer_batch_size",
            "consumer_fetch_min_bytes",
            "consumer_fetch_max_wait_ms",
            "poison_after_failures",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{env_name(name)} must be > 0, got {getattr(self, name)}")
        for name in ("visibility_cache_seconds", "consumer_pipeline_depth"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{env_name(name)} must be >= 0, got {getattr(self, name)}")
        if self.consumer_offset_reset not in {"earliest", "latest"}:
            raise SettingsError(f"{env_name('consumer_offset_reset')} must be 'earliest' or 'latest'")

    @property
    def retention_seconds(self) -> int:
        return int(self.retention_days * 86_400)
