"""A post stays in the feed of an active reader whose home timeline has no Redis cache when the post is pushed (its
first read found an empty timeline, or its cache is being rebuilt) until the durable fanout group has written it to
Cassandra: the hot push has nowhere to write for that reader, and a read that trusts the home timeline for the
author (a source) reads Cassandra, which does not hold the post yet. The same for the author's own posts in its own
feed.

A timeline of its own (own Redis keys, consumer groups and fanout topics) whose fanout groups are started only when
the test says: the durable group's lag is then as long as the test wants, with every write real.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc
from kafka import TopicPartition
from kafka.admin import NewTopic

from services.common import redis_keys
from services.common.kafka_consumer import EventConsumer
from services.common.polling import wait_for
from services.common.server import GrpcServer
from services.timeline.settings import TimelineSettings
from services.timeline.wiring import Stores, build, cache_fanout_consumer, open_stores, store_fanout_consumer
from stack.settings import StackSettings
from tests.integration.harness import service_settings, start_service
from tests.integration.kafka_reading import group_lag, rewind_group
from tests.integration.timeline.conftest import HOME_MAX, Mesh, as_user
from tests.integration.timeline.test_feed import follow, publish


@dataclass
class Writer:
    """The timeline under test: its post and graph groups run; its fanout groups run once started."""

    settings: TimelineSettings
    timeline: timeline_service_pb2_grpc.TimelineServiceStub
    stores: Stores
    stack: StackSettings
    fanout_groups: list[EventConsumer[Any]] = field(default_factory=list)

    async def feed(self, viewer: int) -> list[int]:
        page = await self.timeline.GetFeed(
            timeline_service_pb2.GetFeedRequest(limit=HOME_MAX), metadata=as_user(viewer)
        )
        return [item.post.id for item in page.items]

    async def lag(self, role: str, topic: str) -> int:
        return await asyncio.to_thread(group_lag, self.stack, f"{self.settings.consumer_group_prefix}-{role}", topic)

    async def posts_handled(self) -> None:
        """Every post event so far handled as far as readers see it: notes, pushes, tasks sent."""
        s = self.settings

        async def left() -> int:
            return await self.lag("posts", s.posts_topic)

        await wait_for(left, lambda n: n == 0, what="the post events group to commit every event", within=60)

    async def start_hot_fanout(self) -> None:
        self.fanout_groups.append(cache_fanout_consumer(self.settings, self.stores))
        self.fanout_groups[-1].start()

        async def left() -> int:
            return await self.lag("fanout", self.settings.fanout_topic)

        await wait_for(left, lambda n: n == 0, what="the hot fanout group to push every task", within=60)

    async def start_durable_fanout(self) -> None:
        self.fanout_groups.append(store_fanout_consumer(self.settings, self.stores, 1))
        self.fanout_groups[-1].start()
        s = self.settings

        async def left() -> int:
            return await self.lag("fanout-store", s.fanout_topic) + await self.lag(
                "fanout-store", s.fanout_durable_topic
            )

        await wait_for(left, lambda n: n == 0, what="the durable fanout group to write every task", within=60)

    async def in_flight(self) -> list[Any]:
        return list(
            await self.stores.redis.read_start.mux.execute(
                "ZRANGE", redis_keys.posts_in_flight(self.settings.redis_prefix), 0, -1
            )
        )


@pytest.fixture
async def writer(mesh: Mesh, stack_settings: StackSettings, kafka_admin: Any) -> AsyncIterator[Writer]:
    name = uuid.uuid4().hex[:10]
    topic, durable = f"feedmesh.fanout.test-lag-{name}", f"feedmesh.fanout.durable.test-lag-{name}"
    kafka_admin.create_topics([NewTopic(topic, 1, 1), NewTopic(durable, 1, 1)])
    overrides = {
        "auth_target": mesh.timeline_settings.auth_target,
        "graph_target": mesh.timeline_settings.graph_target,
        "post_target": mesh.timeline_settings.post_target,
        "home_timeline_max": HOME_MAX,
        "author_timeline_max": HOME_MAX,
        "backfill_depth": 12,
        "consumer_group_prefix": f"timeline-lag-{name}",
        "redis_prefix": f"tl-lag-{name}",
        "consumer_offset_reset": "latest",  # the post and graph groups: this test's events only
        "consumer_ready_seconds": 30,
        "fanout_topic": topic,
        "fanout_durable_topic": durable,
        "fanout_inline_max": 1,  # an audience of one is pushed inline, one of two goes through a fanout worker
        "engagement_target": "",
        "ranking_target": "",
    }
    settings = service_settings(TimelineSettings, stack_settings, **overrides)
    # The fanout groups start from the first task whenever they start.
    for role in ("fanout", "fanout-store"):
        rewind_group(stack_settings, f"{settings.consumer_group_prefix}-{role}", {TopicPartition(topic, 0): 0})
    rewind_group(stack_settings, f"{settings.consumer_group_prefix}-fanout-store", {TopicPartition(durable, 0): 0})
    server: GrpcServer | None = None
    stores = await open_stores(settings)
    channel: grpc.aio.Channel | None = None
    found: Writer | None = None
    try:
        server, address = await start_service(
            build, TimelineSettings, stack_settings, **overrides, consumer_roles=("posts", "graph")
        )
        channel = grpc.aio.insecure_channel(address)
        found = Writer(settings, timeline_service_pb2_grpc.TimelineServiceStub(channel), stores, stack_settings)
        yield found
    finally:
        for group in found.fanout_groups if found is not None else []:
            await group.stop()
        if channel is not None:
            await channel.close()
        if server is not None:
            await server.stop(grace=0)
        await stores.close()
        kafka_admin.delete_topics([topic, durable])


async def an_active_reader_without_a_cache(mesh: Mesh, writer: Writer, viewer: int, author: int) -> None:
    """`viewer` has read (active), the author is a source of its home timeline, which has no cache (it was empty)."""
    assert await writer.feed(viewer) == []
    keys = redis_keys.reader(viewer, writer.settings.redis_prefix)
    mux = writer.stores.redis.read_start.mux

    async def sources() -> list[Any]:
        return list(await mux.execute("HKEYS", keys.sources))

    await wait_for(sources, lambda got: str(author).encode() in got, what="the author backfilled as a source")
    home = redis_keys.home_timeline(viewer, writer.settings.redis_prefix)
    assert not await mux.execute("EXISTS", home.complete_from)


async def test_a_post_pushed_inline_to_a_reader_without_a_cache_stays_until_its_durable_write(
    mesh: Mesh, writer: Writer
) -> None:
    author, viewer = await mesh.new_user(), await mesh.new_user()
    await follow(mesh, viewer, author)
    await an_active_reader_without_a_cache(mesh, writer, viewer, author)
    posts = [await publish(mesh, author, f"inline {n}") for n in range(5)]
    await writer.posts_handled()  # pushed inline: nothing in Redis for the viewer, nothing in Cassandra yet
    assert await writer.feed(viewer) == sorted(posts, reverse=True)
    await writer.start_durable_fanout()
    assert await writer.feed(viewer) == sorted(posts, reverse=True)
    assert await writer.in_flight() == []


async def test_a_post_in_flight_does_not_leave_the_feed_when_its_push_finds_no_cache(
    mesh: Mesh, writer: Writer
) -> None:
    author, viewer, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    await follow(mesh, viewer, author)
    await follow(mesh, other, author)  # an audience of two: fanout tasks
    await an_active_reader_without_a_cache(mesh, writer, viewer, author)
    posts = [await publish(mesh, author, f"task {n}") for n in range(3)]
    await writer.posts_handled()
    assert await writer.feed(viewer) == sorted(posts, reverse=True)  # in flight: merged by every read
    await writer.start_hot_fanout()  # pushes: the viewer has no cache to push into
    assert await writer.feed(viewer) == sorted(posts, reverse=True)
    await writer.start_durable_fanout()
    assert await writer.feed(viewer) == sorted(posts, reverse=True)
    assert await writer.in_flight() == []


async def test_an_authors_own_post_is_in_its_feed_before_its_durable_write(mesh: Mesh, writer: Writer) -> None:
    author = await mesh.new_user()
    assert await writer.feed(author) == []  # active; an empty home timeline: no cache
    keys = redis_keys.reader(author, writer.settings.redis_prefix)
    mux = writer.stores.redis.read_start.mux

    async def sources() -> list[Any]:
        return list(await mux.execute("HKEYS", keys.sources))

    await wait_for(sources, lambda got: str(author).encode() in got, what="the author backfilled as its own source")
    posts = [await publish(mesh, author, f"own {n}") for n in range(3)]
    await writer.posts_handled()
    assert await writer.feed(author) == sorted(posts, reverse=True)
    await writer.start_durable_fanout()
    assert await writer.feed(author) == sorted(posts, reverse=True)
    assert await writer.in_flight() == []
