"""The timeline service's composition root: Redis, Cassandra, the peer channels and the Kafka producer are created
once here; the consumers (posts, graph, and the members of the two fanout groups) run on their own threads; all
of it is closed with the server in reverse order."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from feedmesh.events.internal.v1 import events_pb2
from feedmesh.timeline.v1 import timeline_service_pb2_grpc

from services.common.clients import ChannelPool
from services.common.kafka import KafkaPublisher
from services.common.kafka_batcher import BatchingPublisher
from services.common.kafka_consumer import DeadLetters, EventConsumer, EventHandler, PerMember
from services.common.periodic import PeriodicTask
from services.common.redis import create_redis
from services.common.redis_mux import RedisMux
from services.common.server import GrpcServer, ServiceBinding
from services.timeline.adapters.cassandra_home_sweep import CassandraHomeRows
from services.timeline.adapters.cassandra_store import CassandraTimelineStore
from services.timeline.adapters.fanout_queue import KafkaFanoutQueue
from services.timeline.adapters.inbound_events import FanoutConsumer, GraphEventsConsumer, PostEventsConsumer
from services.timeline.adapters.kafka_impressions import KafkaImpressionLog, impression_message
from services.timeline.adapters.peers import AuthClient, EngagementClient, GraphClient, PostClient
from services.timeline.adapters.ranking_client import RankingClient
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.adapters.redis.timeline_redis import TimelineRedis
from services.timeline.api.servicer import TimelineServicer
from services.timeline.app.author_cache import CachedAuthors
from services.timeline.app.background import Background
from services.timeline.app.chronological_feed import ChronologicalFeed
from services.timeline.app.feed import GetFeed
from services.timeline.app.feed_candidates import CandidateCollector
from services.timeline.app.feed_upkeep import FeedUpkeep
from services.timeline.app.home_sweep import HomeSweep
from services.timeline.app.hydration import Hydrator
from services.timeline.app.impressions import Impressions
from services.timeline.app.ingest import (
    CacheFanout,
    FanoutPolicy,
    FaultHook,
    GraphEvents,
    PostEvents,
    StoreFanout,
)
from services.timeline.app.materialize import Materializer
from services.timeline.app.metrics import IMPRESSIONS
from services.timeline.app.peer_caches import CachedFollowees, CachedFollowers, CachedPosts
from services.timeline.app.post_stats_cache import CachedPostStats
from services.timeline.app.ranked_feed import RankedFeed
from services.timeline.app.ranked_windows import RankedWindows
from services.timeline.app.read_planner import ReadPlanner
from services.timeline.app.streams import StreamReader
from services.timeline.app.visibility_filter import VisibilityFilter
from services.timeline.app.warmed_candidates import WarmedCandidates
from services.timeline.domain.impressions import Impression
from services.timeline.settings import TimelineSettings

SERVICE_NAME = "feedmesh.timeline.v1.TimelineService"

Closer = Callable[[], Awaitable[None]]
Consumer = EventConsumer[events_pb2.Event]


# The fanout groups' script calls in flight per member (see TimelineRedis.build's scripts_at_once): a push of 500
# readers costs Redis far more than a round trip, so one call at a time loses little.
FANOUT_SCRIPTS_AT_ONCE = 1


@dataclass
class Stores:
    """The data-tier clients of one process; `close()` releases them."""

    redis: TimelineRedis
    # Opens the same caches on a Redis connection of their own (closed with the rest), for a fanout member: a
    # connection answers in the order asked and Redis serves connections in turns, so the post events' few commands
    # and the other members' pushes do not queue behind a member's whole batch.
    bulk_redis: Callable[[], TimelineRedis]
    store: CassandraTimelineStore
    # The same session behind a small in-flight limit: the durable fanout's bulk writes queue here instead of in
    # front of the post events' few writes, which the hot path waits for.
    bulk_store: CassandraTimelineStore
    # Where the consumers set poison events aside; connects only when a first one is.
    dead_letters: KafkaPublisher
    closers: list[Closer] = field(default_factory=list)
    # Called when a Redis connection of this process comes back after a loss: the in-process copies kept by a
    # version published in Redis drop them (app.peer_caches).
    redis_came_back: list[Callable[[], None]] = field(default_factory=list)

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()


async def open_stores(settings: TimelineSettings) -> Stores:
    came_back: list[Callable[[], None]] = []

    def redis_came_back() -> None:
        for forget in came_back:
            forget()

    client = create_redis(settings.redis_url, sentinel=settings.sentinel())
    mux = RedisMux(settings.redis_url, sentinel=settings.sentinel(), on_reconnect=redis_came_back)
    closers: list[Closer] = [client.aclose, mux.close]

    redis_settings = TimelineRedisSettings(
        home_max=settings.home_timeline_max,
        author_max=settings.author_timeline_max,
        inactive_seconds=int(settings.inactive_days * 86_400),
        prefix=settings.redis_prefix,
        in_flight_seconds=settings.fanout_in_flight_seconds,
    )

    def redis_on(connection: RedisMux, scripts_at_once: int = 0) -> TimelineRedis:
        return TimelineRedis.build(client, connection, redis_settings, scripts_at_once=scripts_at_once)

    def bulk_redis() -> TimelineRedis:
        connection = RedisMux(  # connects on first use
            settings.redis_url, sentinel=settings.sentinel(), on_reconnect=redis_came_back
        )
        closers.append(connection.close)
        return redis_on(connection, FANOUT_SCRIPTS_AT_ONCE)

    try:
        store, cluster = await CassandraTimelineStore.open(
            settings.cassandra_hosts,
            settings.cassandra_port,
            settings.cassandra_keyspace,
            settings.cassandra_consistency,
        )
    except BaseException:
        await client.aclose()
        await mux.close()
        raise

    async def shutdown_cluster() -> None:
        await asyncio.to_thread(cluster.shutdown)

    bulk = await asyncio.to_thread(CassandraTimelineStore, store.session, max_in_flight=settings.fanout_store_in_flight)
    dead_letters = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-timeline-dead-letters")
    closers += [shutdown_cluster, dead_letters.close]
    return Stores(
        redis=redis_on(mux),
        bulk_redis=bulk_redis,
        store=store,
        bulk_store=bulk,
        dead_letters=dead_letters,
        closers=closers,
        redis_came_back=came_back,
    )


def cache_fanout_consumer(settings: TimelineSettings, stores: Stores) -> Consumer:
    """The members of the hot fanout group <prefix>-fanout (Redis home timelines), each on a Redis connection of
    its own."""

    def member_handler() -> EventHandler[events_pb2.Event]:
        bulk = stores.bulk_redis()
        return FanoutConsumer(CacheFanout(timelines=bulk.timelines, in_flight=bulk.in_flight).deliver)

    return _consumer(
        settings, stores, (settings.fanout_topic,), "fanout", PerMember(member_handler), settings.fanout_workers
    )


def store_fanout_consumer(
    settings: TimelineSettings, stores: Stores, members: int, name: str | None = None, fault: FaultHook | None = None
) -> Consumer:
    """The members of the durable fanout group <prefix>-fanout-store (Cassandra home timelines)."""

    def member_handler() -> EventHandler[events_pb2.Event]:
        bulk = stores.bulk_redis()
        worker = StoreFanout(
            timelines=bulk.timelines,
            readers=bulk.readers,
            store=stores.bulk_store,
            in_flight=bulk.in_flight,
            fault=fault,
        )
        return FanoutConsumer(worker.deliver)

    return _consumer(
        settings,
        stores,
        (settings.fanout_topic, settings.fanout_durable_topic),
        "fanout-store",
        PerMember(member_handler),
        members,
        name=name,
        batch_size=settings.fanout_store_batch_tasks,
        fetch_min_bytes=settings.fanout_store_batch_bytes,
        fetch_max_wait_ms=settings.fanout_store_batch_wait_ms,
    )


def _consumer(
    settings: TimelineSettings,
    stores: Stores,
    topics: tuple[str, ...],
    role: str,
    handler: EventHandler[events_pb2.Event] | PerMember[events_pb2.Event],
    members: int,
    name: str | None = None,
    **knobs: int,
) -> Consumer:
    """The group <prefix>-<role>. `knobs`: EventConsumer's batch_size, fetch_min_bytes, fetch_max_wait_ms,
    pipeline_depth (its defaults otherwise)."""
    return EventConsumer(
        bootstrap=settings.kafka_bootstrap,
        service=settings.service_name,
        topics=topics,
        group=f"{settings.consumer_group_prefix}-{role}",
        message=events_pb2.Event,
        handler=handler,
        members=members,
        name=name,
        offset_reset=settings.consumer_offset_reset,
        dead_letters=DeadLetters(stores.dead_letters, settings.dead_letter_topic),
        poison_after=settings.poison_after_failures,
        **knobs,
    )


async def build(settings: TimelineSettings) -> GrpcServer:
    stores = await open_stores(settings)
    closers: list[Closer] = [stores.close]
    channels = ChannelPool(default_timeout=settings.default_deadline_seconds)
    closers.append(channels.close)
    background = Background()
    closers.append(background.close)

    graph = GraphClient(channels, settings.graph_target)
    redis = stores.redis
    streams = StreamReader(
        cache=redis.timelines,
        store=stores.store,
        background=background,
        home_max=settings.home_timeline_max,
        author_max=settings.author_timeline_max,
    )
    materializer = Materializer(
        timelines=redis.timelines,
        readers=redis.readers,
        recent_posts=redis.recent_posts,
        store=stores.store,
        depth=settings.backfill_depth,
    )
    visibility = VisibilityFilter(
        posts=CachedPosts(
            PostClient(channels, settings.post_target),
            redis.tombstones,
            size=settings.post_cache_size,
            max_age_seconds=settings.post_cache_max_age_seconds,
        )
    )
    candidates = CandidateCollector(
        streams=streams, visibility=visibility, warmed=WarmedCandidates(seconds=settings.prefetch_seconds)
    )
    engagement = EngagementClient(channels, settings.engagement_target, settings.engagement_timeout_seconds)
    hydrator = Hydrator(
        authors=CachedAuthors(
            users=AuthClient(channels, settings.auth_target),
            counts=graph,
            background=background,
            size=settings.author_cache_size,
            readers=settings.followee_cache_size,
            profile_max_age_seconds=settings.author_profile_max_age_seconds,
            counts_max_staleness_seconds=settings.counts_max_staleness_seconds,
        ),
        post_stats=CachedPostStats(
            engagement=engagement,
            background=background,
            posts=settings.post_stats_cache_size,
            readers=settings.followee_cache_size,
            max_staleness_seconds=settings.counts_max_staleness_seconds,
        ),
    )
    upkeep = FeedUpkeep(
        readers=redis.readers,
        locks=redis.locks,
        materializer=materializer,
        candidates=candidates,
        background=background,
    )
    chronological = ChronologicalFeed(candidates=candidates, hydrator=hydrator, upkeep=upkeep)
    # Impressions go out on a producer of their own (connected on first use), drained before it closes.
    impression_publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-timeline-impressions")
    closers.append(impression_publisher.close)
    impressions: BatchingPublisher[Impression] = BatchingPublisher(
        publisher=impression_publisher,
        encode=functools.partial(impression_message, settings.impressions_topic),
        count=lambda outcome, n: IMPRESSIONS.labels(outcome).inc(n),
        max_pending=settings.impressions_max_pending,
    )
    impressions.start()
    closers.append(impressions.stop)
    followees = CachedFollowees(
        graph, size=settings.followee_cache_size, max_age_seconds=settings.followee_cache_max_age_seconds
    )
    stores.redis_came_back.append(followees.forget_versions)
    get_feed = GetFeed(
        planner=ReadPlanner(read_start=redis.read_start, followees=followees),
        upkeep=upkeep,
        chronological=chronological,
        ranked=RankedFeed(
            id_lists=redis.id_lists,
            candidates=candidates,
            visibility=visibility,
            hydrator=hydrator,
            chronological=chronological,
            upkeep=upkeep,
            counts=hydrator.post_stats,
            counts_max_age_seconds=settings.rank_counts_max_age_seconds,
            ranker=RankingClient(
                channels, settings.ranking_target, settings.rank_deadline_ms / 1000, settings.rank_experiment
            ),
            windows=RankedWindows(size=settings.rank_reuse_viewers, seconds=settings.rank_reuse_seconds),
            window_size=settings.rank_candidates,
            session_seconds=settings.rank_session_seconds,
        ),
        impressions=Impressions(log=KafkaImpressionLog(impressions), sample=settings.impression_sample),
    )

    roles = set(settings.consumer_roles) - {"none"}
    consumers: list[Consumer] = []
    if roles & {"posts", "graph"}:
        publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-timeline")
        closers.append(publisher.close)
        followers = CachedFollowers(max_ids=settings.follower_cache_ids)
        stores.redis_came_back.append(followers.forget_versions)
        post_events = PostEvents(
            timelines=redis.timelines,
            recent_posts=redis.recent_posts,
            in_flight=redis.in_flight,
            readers=redis.readers,
            queue=KafkaFanoutQueue(publisher, settings.fanout_topic, settings.fanout_durable_topic),
            store=stores.store,
            graph=graph,
            policy=FanoutPolicy(
                chunk_size=settings.fanout_chunk_size,
                inline_max=settings.fanout_inline_max,
            ),
            tombstones=redis.tombstones,
            followers=followers,
        )
        graph_events = GraphEvents(readers=redis.readers, materializer=materializer)
        if "posts" in roles:
            consumers.append(
                _consumer(
                    settings,
                    stores,
                    (settings.posts_topic,),
                    "posts",
                    # Per member: a deletion waits for the unfinished publications of its own member's batches.
                    PerMember(lambda: PostEventsConsumer(post_events)),
                    settings.posts_workers,
                    pipeline_depth=settings.posts_pipeline_depth,
                )
            )
        if "graph" in roles:
            consumers.append(
                _consumer(settings, stores, (settings.graph_topic,), "graph", GraphEventsConsumer(graph_events), 1)
            )
    if "fanout" in roles:
        consumers.append(cache_fanout_consumer(settings, stores))
    if "fanout-store" in roles:
        consumers.append(store_fanout_consumer(settings, stores, settings.fanout_store_workers))
        sweep = HomeSweep(CassandraHomeRows(stores.store.session), redis.readers)
        closers.append(PeriodicTask("timeline-home-sweep", sweep.run_once, settings.home_sweep_seconds).start().stop)
    for consumer in consumers:
        consumer.start()
        closers.append(consumer.stop)
    if consumers and settings.consumer_ready_seconds > 0:
        await asyncio.gather(*(c.wait_assigned(settings.consumer_ready_seconds) for c in consumers))

    servicer = TimelineServicer(get_feed, settings.encoded_item_cache_size)
    server = GrpcServer(
        settings=settings,
        bindings=[
            ServiceBinding(
                SERVICE_NAME, lambda s: timeline_service_pb2_grpc.add_TimelineServiceServicer_to_server(servicer, s)
            )
        ],
    )
    for close in closers:
        server.add_closer(close)
    return server
