"""The graph service's composition root: pools and clients once, adapters -> use cases -> servicer, closers."""

from __future__ import annotations

import grpc
from feedmesh.auth.internal.v1 import auth_internal_service_pb2_grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2_grpc
from feedmesh.graph.v1 import graph_service_pb2, graph_service_pb2_grpc

from services.common.clients import ChannelPool
from services.common.kafka import KafkaPublisher
from services.common.outbox import OutboxRelay
from services.common.periodic import PeriodicTask
from services.common.postgres import create_pool
from services.common.redis import create_redis
from services.common.server import GrpcServer, ServiceBinding
from services.graph.adapters.events import PRODUCER
from services.graph.adapters.invalidation_log import PgInvalidationLog
from services.graph.adapters.postgres import PgGraphReader, PgGraphUnitOfWork
from services.graph.adapters.redis_cache import RedisGraphCache
from services.graph.adapters.user_directory import CachedUserDirectory
from services.graph.api.internal_servicer import INTERNAL_SERVICE_NAME, GraphInternalServicer
from services.graph.api.servicer import GraphServicer
from services.graph.app.invalidations import Invalidations
from services.graph.app.people import People
from services.graph.app.queries import Queries
from services.graph.app.relationships import Relationships
from services.graph.app.visibility import VisibilityChecks
from services.graph.settings import GraphSettings

SERVICE_NAME = graph_service_pb2.DESCRIPTOR.services_by_name["GraphService"].full_name


async def build(settings: GraphSettings) -> GrpcServer:
    pool = await create_pool(settings.pg_dsn, max_size=settings.pg_pool_size)
    redis = create_redis(settings.redis_url, sentinel=settings.sentinel())
    channels = ChannelPool(settings.default_deadline_seconds)
    publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-graph")
    relay = OutboxRelay(pool, publisher, PRODUCER)

    directory = CachedUserDirectory(
        redis,
        auth_internal_service_pb2_grpc.AuthInternalServiceStub(channels.channel(settings.auth_target)),
        ttl_seconds=settings.profile_cache_ttl_seconds,
    )
    cache = RedisGraphCache(redis, ttl_seconds=settings.graph_cache_ttl_seconds)
    invalidations = Invalidations(
        cache, PgInvalidationLog(pool), settle_after_seconds=settings.invalidation_settle_after_seconds
    )
    await invalidations.recover()
    reader = PgGraphReader(pool)
    queries = Queries(
        reader,
        cache,
        directory,
        celebrity_threshold=settings.celebrity_threshold,
        follower_cache_max_ids=settings.follower_cache_max_ids,
    )
    servicer = GraphServicer(
        relationships=Relationships(PgGraphUnitOfWork(pool), directory, invalidations),
        queries=queries,
        people=People(reader, cache, directory, directory),
    )
    internal = GraphInternalServicer(queries=queries, visibility=VisibilityChecks(reader, directory))

    def register(grpc_server: grpc.aio.Server) -> None:
        graph_service_pb2_grpc.add_GraphServiceServicer_to_server(servicer, grpc_server)

    def register_internal(grpc_server: grpc.aio.Server) -> None:
        graph_internal_service_pb2_grpc.add_GraphInternalServiceServicer_to_server(internal, grpc_server)

    # The public service (routed by the gateway) and the internal one (other services only) share the process.
    server = GrpcServer(
        settings,
        bindings=[ServiceBinding(SERVICE_NAME, register), ServiceBinding(INTERNAL_SERVICE_NAME, register_internal)],
    )
    # Closed in reverse: the relay first, the pool last.
    server.add_closer(pool.close)
    server.add_closer(redis.aclose)
    server.add_closer(channels.close)
    server.add_closer(publisher.close)
    server.add_closer(relay.stop)
    relay.start()
    # Invalidations Redis did not take (down or restarting) are retried until it does; the log's leftovers of a
    # process that died are settled once old (app.invalidations).
    retries = PeriodicTask("graph-pending-invalidations", invalidations.retry, settings.invalidation_retry_seconds)
    server.add_closer(retries.start().stop)
    leftovers = PeriodicTask(
        "graph-old-invalidations", invalidations.settle_old, settings.invalidation_settle_after_seconds / 2
    )
    server.add_closer(leftovers.start().stop)
    return server
