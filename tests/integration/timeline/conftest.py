"""The timeline with its peers (auth, graph, post) started in-process on port 0 against the real stack, with a low
celebrity threshold in the graph (which decides who is a celebrity for the timeline too) and a small Redis cap, so
push, pull and read-through all happen.

Settle rule (`Mesh.settle`): the pipeline has settled when, in this order, (1) the graph and post outboxes have no
unsent rows, (2) the timeline's posts and graph consumer groups have committed every message, (3) its two
fanout groups have committed every message. Offsets are committed only after the writes, and post events are
committed only after their fanout tasks are acknowledged, so after (1)-(3) every event emitted before (1) is fully
applied. Feeds are then compared with the model exactly: no polling on the feed itself, no tolerance.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from feedmesh.graph.v1 import graph_service_pb2_grpc
from feedmesh.post.v1 import post_service_pb2_grpc
from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc

from services.common import redis_keys
from services.common.polling import wait_for
from services.common.redis import create_redis
from services.common.server import GrpcServer
from services.timeline.settings import TimelineSettings
from services.timeline.wiring import build as build_timeline
from stack import clients
from stack.settings import StackSettings
from tests.integration.harness import service_settings, start_service
from tests.integration.kafka_reading import group_lag

CELEBRITY_THRESHOLD = 3
HOME_MAX = 10


def as_user(user_id: int) -> tuple[tuple[str, str], ...]:
    return (("x-feedmesh-user-id", str(user_id)),)


def suffix() -> str:
    return uuid.uuid4().hex[:10]


@dataclass
class Mesh:
    auth: auth_service_pb2_grpc.AuthServiceStub
    graph: graph_service_pb2_grpc.GraphServiceStub
    post: post_service_pb2_grpc.PostServiceStub
    timeline: timeline_service_pb2_grpc.TimelineServiceStub
    stack: StackSettings
    timeline_settings: TimelineSettings

    async def new_user(self, *, private: bool = False) -> int:
        response = await self.auth.CreateUser(
            auth_service_pb2.CreateUserRequest(
                handle=f"t_{suffix()}", password="correct horse battery", private=private
            )
        )
        return int(response.id)

    async def feed(self, viewer: int, *, limit: int = 3, mode: str = "chronological") -> list[int]:
        """Every post id of the viewer's feed, paging with `limit`; asserts pages are full until the last."""
        ids: list[int] = []
        cursor = ""
        for _ in range(10_000):
            page = await self.timeline.GetFeed(
                timeline_service_pb2.GetFeedRequest(cursor=cursor, limit=limit, mode=mode), metadata=as_user(viewer)
            )
            ids.extend(item.post.id for item in page.items)
            if not page.next_cursor:
                return ids
            assert len(page.items) == limit, f"short page before the end of {viewer}'s feed"
            cursor = page.next_cursor
        raise AssertionError("feed never ended")

    async def settle(self, within: float = 90.0) -> float:
        """Waits until the pipeline has settled (see the module doc); returns the seconds waited."""
        started = time.monotonic()
        deadline = started + within
        s = self.timeline_settings
        steps: list[tuple[str, Any]] = [
            ("outbox", None),
            ("posts", (f"{s.consumer_group_prefix}-posts", s.posts_topic)),
            ("graph", (f"{s.consumer_group_prefix}-graph", s.graph_topic)),
            ("fanout", (f"{s.consumer_group_prefix}-fanout", s.fanout_topic)),
            ("fanout-store", (f"{s.consumer_group_prefix}-fanout-store", s.fanout_topic)),
            ("fanout-store (durable only)", (f"{s.consumer_group_prefix}-fanout-store", s.fanout_durable_topic)),
        ]
        for name, group in steps:

            async def pending(group: Any = group) -> int:
                return await (self._outbox_backlog() if group is None else asyncio.to_thread(self._lag, *group))

            left = max(0.0, deadline - time.monotonic())
            await wait_for(pending, lambda n: n == 0, what=f"nothing pending in {name} (pipeline settled)", within=left)
        return time.monotonic() - started

    async def in_flight(self) -> list[str]:
        """The posts the timeline has in flight (`author:post`): none once the pipeline has settled."""
        client = create_redis(self.stack.redis_url)
        try:
            members = await client.zrange(redis_keys.posts_in_flight(self.timeline_settings.redis_prefix), 0, -1)
            return [m.decode() if isinstance(m, bytes) else str(m) for m in members]
        finally:
            await client.aclose()

    async def _outbox_backlog(self) -> int:
        conn = await clients.pg_connect(self.stack)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND producer = ANY($1::text[])",
                    ["graph", "post"],
                )
            )
        finally:
            await conn.close()

    def _lag(self, group: str, topic: str) -> int:
        return group_lag(self.stack, group, topic)


@pytest.fixture(scope="package")
async def mesh(stack_settings: StackSettings) -> AsyncIterator[Mesh]:
    from services.auth.settings import AuthSettings
    from services.auth.wiring import build as build_auth
    from services.graph.settings import GraphSettings
    from services.graph.wiring import build as build_graph
    from services.post.settings import PostSettings
    from services.post.wiring import build as build_post

    servers: list[GrpcServer] = []
    channels: list[grpc.aio.Channel] = []
    overrides = {
        "home_timeline_max": HOME_MAX,
        "author_timeline_max": HOME_MAX,
        "backfill_depth": 12,
        "consumer_group_prefix": f"timeline-test-{suffix()}",
        # Not the stack's keys: the stack's timeline consumes the same events with an 800-id cap.
        "redis_prefix": f"tl-test-{suffix()}",
        "consumer_offset_reset": "latest",
        "consumer_ready_seconds": 30,
        "fanout_chunk_size": 2,
        # Below the threshold of 3: an audience of one is pushed inline, one of two goes through a fanout worker.
        "fanout_inline_max": 1,
        "engagement_target": "",
        "ranking_target": "",
    }
    try:
        auth, auth_address = await start_service(
            build_auth, AuthSettings, stack_settings, password_time_cost=1, password_memory_kib=1024
        )
        servers.append(auth)
        graph, graph_address = await start_service(
            build_graph,
            GraphSettings,
            stack_settings,
            auth_target=auth_address,
            celebrity_threshold=CELEBRITY_THRESHOLD,
        )
        servers.append(graph)
        post, post_address = await start_service(
            build_post,
            PostSettings,
            stack_settings,
            auth_target=auth_address,
            graph_target=graph_address,
            media_target="127.0.0.1:1",
            engagement_target="",
        )
        servers.append(post)
        peers = {"auth_target": auth_address, "graph_target": graph_address, "post_target": post_address}
        timeline, timeline_address = await start_service(
            build_timeline, TimelineSettings, stack_settings, **peers, **overrides
        )
        servers.append(timeline)

        def channel(address: str) -> grpc.aio.Channel:
            channels.append(grpc.aio.insecure_channel(address))
            return channels[-1]

        yield Mesh(
            auth=auth_service_pb2_grpc.AuthServiceStub(channel(auth_address)),
            graph=graph_service_pb2_grpc.GraphServiceStub(channel(graph_address)),
            post=post_service_pb2_grpc.PostServiceStub(channel(post_address)),
            timeline=timeline_service_pb2_grpc.TimelineServiceStub(channel(timeline_address)),
            stack=stack_settings,
            timeline_settings=service_settings(TimelineSettings, stack_settings, **peers, **overrides),
        )
    finally:
        for ch in channels:
            await ch.close()
        for server in reversed(servers):
            await server.stop(grace=0)
