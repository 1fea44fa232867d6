"""The post service's composition root: pools, clients (Redis for the tombstone set), the outbox relay and the
partition maintenance are created once here, and closed with the server in reverse order."""

from __future__ import annotations

from feedmesh.post.internal.v1 import post_internal_service_pb2_grpc
from feedmesh.post.v1 import post_service_pb2_grpc

from services.common import postgres
from services.common.clients import ChannelPool
from services.common.content_safety import ContentPolicy
from services.common.idempotency_pruning import start_pruning
from services.common.kafka import KafkaPublisher
from services.common.outbox import OutboxRelay
from services.common.periodic import PeriodicTask
from services.common.redis import create_redis
from services.common.server import GrpcServer, ServiceBinding
from services.common.worker_lease import lease_worker_id
from services.post.adapters.events import PRODUCER, OutboxPostEvents
from services.post.adapters.peers import AuthUserDirectory, EngagementStats, GraphVisibility, MediaChecker
from services.post.adapters.postgres import PRUNE_IDEMPOTENCY_KEYS, PgPartitionStore, PgPostRepository
from services.post.adapters.tombstones import RedisTombstones
from services.post.api.internal_servicer import INTERNAL_SERVICE_NAME, PostInternalServicer
from services.post.api.servicer import PostServicer
from services.post.app.maintenance import PartitionMaintenance
from services.post.app.posts import PostUseCases
from services.post.settings import PostSettings

SERVICE_NAME = "feedmesh.post.v1.PostService"


async def build(settings: PostSettings) -> GrpcServer:
    closers = []
    pool = await postgres.create_pool(settings.pg_dsn)
    closers.append(pool.close)
    try:
        lease = await lease_worker_id(settings.pg_dsn)
        closers.append(lease.release)
        uow = postgres.UnitOfWork(pool)

        maintenance = PartitionMaintenance(
            uow=uow,
            store=PgPartitionStore(),
            months_ahead=settings.partition_months_ahead,
        )
        await maintenance.run_once()
        partitions = PeriodicTask("post-partition-maintenance", maintenance.run_once, settings.partition_check_seconds)
        closers.append(partitions.start().stop)
        retention = settings.idempotency_key_retention_seconds
        pruning = start_pruning(
            pool, PRUNE_IDEMPOTENCY_KEYS, retention_seconds=retention, every_seconds=settings.idempotency_prune_seconds
        )
        closers.append(pruning.stop)

        publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-post")
        closers.append(publisher.close)
        relay = OutboxRelay(pool, publisher, PRODUCER)
        relay.start()
        closers.append(relay.stop)

        redis = create_redis(settings.redis_url, sentinel=settings.sentinel())
        closers.append(redis.aclose)
        tombstones = RedisTombstones(redis, pool, post_cache_max_age_seconds=settings.post_cache_max_age_seconds)
        await tombstones.ensure()
        trimming = PeriodicTask("post-tombstone-trim", tombstones.trim, settings.tombstone_trim_seconds)
        closers.append(trimming.start().stop)
    except BaseException:
        for close in reversed(closers):
            await close()
        raise

    channels = ChannelPool(default_timeout=settings.default_deadline_seconds)
    closers.append(channels.close)
    posts = PostUseCases(
        uow=uow,
        reads=pool.acquire,
        repo=PgPostRepository(),
        events=OutboxPostEvents(),
        ids=lease.generator(),
        users=AuthUserDirectory(channels, settings.auth_target),
        visibility=GraphVisibility(channels, settings.graph_target),
        media=MediaChecker(channels, settings.media_target),
        stats=EngagementStats(channels, settings.engagement_target, settings.engagement_timeout_seconds),
        policy=ContentPolicy.from_words(settings.content_denylist, max_links=settings.content_max_links),
        tombstones=tombstones,
    )
    servicer = PostServicer(posts)
    internal = PostInternalServicer(posts)
    # The public service (routed by the gateway) and the internal one (other services only) share the process.
    server = GrpcServer(
        settings=settings,
        bindings=[
            ServiceBinding(
                SERVICE_NAME, lambda s: post_service_pb2_grpc.add_PostServiceServicer_to_server(servicer, s)
            ),
            ServiceBinding(
                INTERNAL_SERVICE_NAME,
                lambda s: post_internal_service_pb2_grpc.add_PostInternalServiceServicer_to_server(internal, s),
            ),
        ],
    )
    for close in closers:
        server.add_closer(close)
    return server
