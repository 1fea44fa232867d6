"""The notification service's composition root: Cassandra, Redis, the peer channels and the consumer of the
graph, post and engagement events are created once here, and closed with the server in reverse order."""

from __future__ import annotations

import asyncio

from feedmesh.events.internal.v1 import events_pb2
from feedmesh.notification.v1 import notification_service_pb2_grpc as pb_grpc

from services.common.clients import ChannelPool
from services.common.kafka import KafkaPublisher
from services.common.kafka_consumer import DeadLetters, EventConsumer
from services.common.redis import create_redis
from services.common.redis_mux import RedisMux
from services.common.server import Closer, GrpcServer, ServiceBinding
from services.notification.adapters.cassandra_store import CassandraNotificationStore
from services.notification.adapters.inbound_events import NotificationEventsConsumer
from services.notification.adapters.live_redis import RedisLiveFeed
from services.notification.adapters.metrics import PrometheusIngestMetrics
from services.notification.adapters.peers import AuthUsers, GraphPeer, PostPeer
from services.notification.adapters.redis_pending import RedisPending
from services.notification.adapters.redis_removals import RedisRemovals
from services.notification.adapters.redis_unread import RedisUnread
from services.notification.api.servicer import SERVICE_NAME, NotificationServicer
from services.notification.app.ingest import Ingest
from services.notification.app.live import LiveStreams
from services.notification.app.lookups import PeerLookups
from services.notification.app.reads import Reads
from services.notification.settings import NotificationSettings


async def build(settings: NotificationSettings) -> GrpcServer:
    closers: list[Closer] = []
    try:
        return await _build(settings, closers)
    except BaseException:
        for close in reversed(closers):
            await close()
        raise


async def _build(settings: NotificationSettings, closers: list[Closer]) -> GrpcServer:
    store, cluster = await CassandraNotificationStore.open(
        settings.cassandra_hosts,
        settings.cassandra_port,
        settings.cassandra_keyspace,
        ttl_seconds=settings.retention_seconds,
        consistency=settings.cassandra_consistency,
    )

    async def shutdown_cluster() -> None:
        await asyncio.to_thread(cluster.shutdown)

    closers.append(shutdown_cluster)
    mux = RedisMux(settings.redis_url, sentinel=settings.sentinel())
    closers.append(mux.close)
    client = create_redis(settings.redis_url, sentinel=settings.sentinel())
    closers.append(client.aclose)
    live = RedisLiveFeed(client)
    closers.append(live.close)
    channels = ChannelPool(default_timeout=settings.default_deadline_seconds)
    closers.append(channels.close)

    unread = RedisUnread(mux, retention_seconds=settings.retention_seconds, cap=settings.unread_max)
    pending = RedisPending(mux)
    users = AuthUsers(channels, settings.auth_target)
    servicer = NotificationServicer(
        reads=Reads(store, pending, unread, users),
        live=LiveStreams(live, unread, users, heartbeat_seconds=settings.stream_heartbeat_seconds),
    )
    if settings.consume:
        metrics = PrometheusIngestMetrics()
        ingest = Ingest(
            store=store,
            unread=unread,
            pending=pending,
            mirror=RedisRemovals(mux, retention_seconds=settings.retention_seconds),
            live=live,
            lookups=PeerLookups(
                users=users,
                graph=GraphPeer(channels, settings.graph_target, cache_seconds=settings.visibility_cache_seconds),
                posts=PostPeer(channels, settings.post_target),
                metrics=metrics,
            ),
            metrics=metrics,
        )
        dead_letters = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-notification-dead-letters")
        closers.append(dead_letters.close)
        consumer = EventConsumer(
            bootstrap=settings.kafka_bootstrap,
            service=settings.service_name,
            topics=[settings.graph_topic, settings.posts_topic, settings.engagement_topic],
            group=settings.consumer_group,
            message=events_pb2.Event,
            handler=NotificationEventsConsumer(ingest),
            members=settings.consumer_members,
            batch_size=settings.consumer_batch_size,
            pipeline_depth=settings.consumer_pipeline_depth,
            fetch_min_bytes=settings.consumer_fetch_min_bytes,
            fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
            dead_letters=DeadLetters(dead_letters, settings.dead_letter_topic),
            poison_after=settings.poison_after_failures,
            offset_reset=settings.consumer_offset_reset,
        )
        consumer.start()
        closers.append(consumer.stop)
        if settings.consumer_ready_seconds > 0:
            await consumer.wait_assigned(settings.consumer_ready_seconds)

    server = GrpcServer(
        settings=settings,
        bindings=[
            ServiceBinding(SERVICE_NAME, lambda s: pb_grpc.add_NotificationServiceServicer_to_server(servicer, s))
        ],
    )
    for close in closers:
        server.add_closer(close)
    return server
