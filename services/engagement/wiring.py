"""The engagement service's composition root: the pool, the worker-id lease, Redis, the peers' channels (post, graph),
the outbox relay and the counter maintenance are created once here, and closed with the server in reverse order."""

from __future__ import annotations

from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.engagement.v1 import engagement_service_pb2_grpc as pb_grpc

from services.common import postgres
from services.common.clients import ChannelPool
from services.common.idempotency_pruning import start_pruning
from services.common.kafka import KafkaPublisher
from services.common.outbox import OutboxRelay
from services.common.redis_mux import RedisMux
from services.common.server import Closer, GrpcServer, ServiceBinding
from services.common.worker_lease import lease_worker_id
from services.engagement.abuse_wiring import build_anti_abuse
from services.engagement.adapters.events import PRODUCER, OutboxEngagementEvents
from services.engagement.adapters.grouped_likes import GroupCommitLikes
from services.engagement.adapters.idempotency_keys import PRUNE_IDEMPOTENCY_KEYS, PgIdempotencyKeys
from services.engagement.adapters.peers import GraphAudience, PostServiceDirectory
from services.engagement.adapters.postgres import (
    PgCounterLedger,
    PgDatabase,
    PgEngagementStore,
    PooledConnection,
    reset_unless_clean,
)
from services.engagement.adapters.redis_counters import RedisCounters
from services.engagement.adapters.redis_published import RedisPublishedState
from services.engagement.adapters.redis_versions import RedisEngagementVersions
from services.engagement.api.internal_servicer import INTERNAL_SERVICE_NAME, EngagementInternalServicer
from services.engagement.api.servicer import SERVICE_NAME, EngagementServicer
from services.engagement.app.comments import Comments
from services.engagement.app.counters import CounterMaintenance
from services.engagement.app.counting import Counting
from services.engagement.app.reactions import Reactions
from services.engagement.app.stats import Stats
from services.engagement.app.visible_posts import CachedPostDirectory
from services.engagement.app.writes import Writes
from services.engagement.domain.comments import comment_policy
from services.engagement.settings import EngagementSettings


async def build(settings: EngagementSettings) -> GrpcServer:
    closers: list[Closer] = []
    pool = await postgres.create_pool(
        settings.pg_dsn, max_size=settings.pg_pool_size, connection_class=PooledConnection, reset=reset_unless_clean
    )
    closers.append(pool.close)
    try:
        lease = await lease_worker_id(settings.pg_dsn)
    except BaseException:
        await pool.close()
        raise
    closers.append(lease.release)

    redis = RedisMux(settings.redis_url, sentinel=settings.sentinel())
    closers.append(redis.close)
    channels = ChannelPool(default_timeout=settings.default_deadline_seconds)
    closers.append(channels.close)
    publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-engagement")
    closers.append(publisher.close)
    relay = OutboxRelay(
        pool,
        publisher,
        PRODUCER,
        linger_seconds=settings.outbox_linger_seconds,
        keep_sent_seconds=settings.outbox_keep_sent_seconds,
    )

    db = PgDatabase(pool)
    store = PgEngagementStore()
    cache = RedisCounters(redis, ttl_seconds=settings.counter_cache_ttl_seconds)
    counting = Counting(db, store, cache, RedisEngagementVersions(redis))
    maintenance = CounterMaintenance(
        db=db,
        ledger=PgCounterLedger(),
        cache=cache,
        counting=counting,
        flush_seconds=settings.counter_flush_seconds,
        flush_batch=settings.counter_flush_batch,
        sweep_seconds=settings.counter_sweep_seconds,
        sweep_window_seconds=settings.counter_sweep_window_seconds,
        first_sweep_window_seconds=settings.counter_cache_ttl_seconds,
        drift_sample=settings.counter_drift_sample,
    )
    keys = PgIdempotencyKeys()
    events = OutboxEngagementEvents(relay)
    posts = CachedPostDirectory(
        PostServiceDirectory(channels, settings.post_target),
        GraphAudience(channels, settings.graph_target),
        RedisPublishedState(redis),
        size=settings.visibility_cache_size,
        max_age_seconds=settings.visibility_cache_max_age_seconds,
        post_max_age_seconds=settings.post_cache_max_age_seconds,
    )
    ids = lease.generator()
    policy = comment_policy(settings.content_denylist, settings.content_max_links)
    abuse = build_anti_abuse(settings, pool, redis)
    likes = GroupCommitLikes(db, max_group=settings.like_group_max, in_flight=settings.like_groups_in_flight)
    writes = Writes(db, store, keys, events, posts, counting, ids, abuse.guard, likes)
    servicer = EngagementServicer(reactions=Reactions(writes), comments=Comments(writes, policy))
    internal = EngagementInternalServicer(Stats(db, store, cache, want_cached=maintenance.want_cached, bans=abuse.bans))
    # The public service (routed by the gateway) and the internal ones (other services, operators) share the process.
    server = GrpcServer(
        settings=settings,
        bindings=[
            ServiceBinding(SERVICE_NAME, lambda s: pb_grpc.add_EngagementServiceServicer_to_server(servicer, s)),
            ServiceBinding(
                INTERNAL_SERVICE_NAME,
                lambda s: internal_pb_grpc.add_EngagementInternalServiceServicer_to_server(internal, s),
            ),
            abuse.admin_binding,
        ],
    )
    relay.start()
    closers.append(relay.stop)
    maintenance.start()
    closers.append(maintenance.stop)
    retention = settings.idempotency_key_retention_seconds
    pruning = start_pruning(
        pool, PRUNE_IDEMPOTENCY_KEYS, retention_seconds=retention, every_seconds=settings.idempotency_prune_seconds
    )
    closers.append(pruning.stop)
    for close in closers:
        server.add_closer(close)
    return server
