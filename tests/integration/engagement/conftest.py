"""The engagement service with the peers it needs (auth, graph, post), started in-process on port 0 against the
real stack. The post service is pointed at this engagement service, so its reads carry the real counts."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2 as internal_pb
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.engagement.v1 import engagement_service_pb2_grpc as pb_grpc
from feedmesh.graph.v1 import graph_service_pb2 as g
from feedmesh.graph.v1 import graph_service_pb2_grpc
from feedmesh.post.v1 import post_service_pb2, post_service_pb2_grpc, visibility_pb2

from services.common.server import GrpcServer
from services.engagement.settings import EngagementSettings
from services.engagement.wiring import build as build_engagement
from services.post.settings import PostSettings
from services.post.wiring import build as build_post
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations, service_settings, start_auth_and_graph, start_service

DENYLIST = ["forbiddenword"]
# Fast background work, so tests wait for it briefly.
FAST = {"counter_flush_seconds": 0.05, "counter_sweep_seconds": 0.1, "counter_sweep_window_seconds": 30}
# These tests storm a few new users' likes, in loops: the budgets and the burst guard stay out of their way, as for
# load tests. The anti-abuse tests (abuse/) start replicas with their own.
UNGUARDED = {
    "engagement_burst_guard": "off",
    **{
        f"engagement_{kind}_per_{period}": 1_000_000
        for kind in ("likes", "comments", "shares")
        for period in ("min", "day")
    },
}


def as_user(user_id: int, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return (("x-feedmesh-user-id", str(user_id)), *extra)


def keyed(user_id: int, key: str) -> tuple[tuple[str, str], ...]:
    return as_user(user_id, ("idempotency-key", key))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mesh:
    engagement: pb_grpc.EngagementServiceStub
    engagement_internal: internal_pb_grpc.EngagementInternalServiceStub
    post: post_service_pb2_grpc.PostServiceStub
    graph: graph_service_pb2_grpc.GraphServiceStub
    auth: auth_service_pb2_grpc.AuthServiceStub
    engagement_server: GrpcServer
    post_address: str
    graph_address: str
    stack: StackSettings

    async def new_user(self, *, private: bool = False, prefix: str = "e") -> int:
        response = await self.auth.CreateUser(
            auth_service_pb2.CreateUserRequest(
                handle=f"{prefix}_{uuid.uuid4().hex[:12]}", password="correct horse battery", private=private
            )
        )
        return int(response.id)

    async def new_post(
        self, author: int, visibility: visibility_pb2.Visibility = visibility_pb2.PUBLIC, text: str = "a post"
    ) -> int:
        response = await self.post.CreatePost(
            post_service_pb2.CreatePostRequest(text=text, visibility=visibility), metadata=as_user(author)
        )
        return int(response.id)

    async def follow(self, follower: int, followee: int) -> None:
        await self.graph.FollowUser(g.FollowUserRequest(user_id=followee), metadata=as_user(follower))

    async def block(self, blocker: int, blocked: int) -> None:
        await self.graph.BlockUser(g.BlockUserRequest(user_id=blocked), metadata=as_user(blocker))

    async def stats(self, viewer: int, post_ids: list[int]) -> list[internal_pb.PostStats]:
        response = await self.engagement_internal.BatchGetPostStats(
            internal_pb.BatchGetPostStatsRequest(viewer_id=viewer, post_ids=post_ids)
        )
        return list(response.stats)


@pytest.fixture(scope="package")
async def engagement_schema(stack_settings: StackSettings) -> None:
    await apply_migrations(stack_settings, below=50)  # up to the engagement range, 0040-0049


@pytest.fixture(scope="package")
async def mesh(stack_settings: StackSettings, engagement_schema: None) -> AsyncIterator[Mesh]:
    servers: list[GrpcServer] = []
    channels: list[grpc.aio.Channel] = []

    def channel(address: str) -> grpc.aio.Channel:
        channels.append(grpc.aio.insecure_channel(address))
        return channels[-1]

    try:
        started, auth_address, graph_address = await start_auth_and_graph(stack_settings)
        servers.extend(started)
        engagement_address = f"127.0.0.1:{free_port()}"  # known before it starts: the post service calls it
        peers = {"auth_target": auth_address, "graph_target": graph_address, "engagement_target": engagement_address}
        post, post_address = await start_service(
            build_post, PostSettings, stack_settings, **peers, media_target="127.0.0.1:1"
        )
        servers.append(post)
        engagement = await build_engagement(
            _settings(
                stack_settings,
                post_address,
                graph_address,
                listen_address=engagement_address,
                content_denylist=DENYLIST,
            )
        )
        await engagement.start()
        servers.append(engagement)
        yield Mesh(
            engagement=pb_grpc.EngagementServiceStub(channel(engagement_address)),
            engagement_internal=internal_pb_grpc.EngagementInternalServiceStub(channel(engagement_address)),
            post=post_service_pb2_grpc.PostServiceStub(channel(post_address)),
            graph=graph_service_pb2_grpc.GraphServiceStub(channel(graph_address)),
            auth=auth_service_pb2_grpc.AuthServiceStub(channel(auth_address)),
            engagement_server=engagement,
            post_address=post_address,
            graph_address=graph_address,
            stack=stack_settings,
        )
    finally:
        for ch in channels:
            await ch.close()
        for server in reversed(servers):
            await server.stop(grace=0)


def _settings(stack: StackSettings, post_address: str, graph_address: str, **overrides: object) -> EngagementSettings:
    peers = {"post_target": post_address, "graph_target": graph_address}
    return service_settings(EngagementSettings, stack, **peers, **{**FAST, **UNGUARDED, **overrides})


@contextlib.asynccontextmanager
async def start_replica(mesh: Mesh, **overrides: object) -> AsyncIterator[grpc.aio.Channel]:
    """Another engagement replica, in-process, beside the mesh's, and a channel to it; stopped when the block ends."""
    server = await build_engagement(_settings(mesh.stack, mesh.post_address, mesh.graph_address, **overrides))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield channel
    finally:
        await channel.close()
        await server.stop(grace=0)


@contextlib.asynccontextmanager
async def start_engagement(mesh: Mesh, **overrides: object) -> AsyncIterator[pb_grpc.EngagementServiceStub]:
    """Another engagement replica (start_replica), its public service."""
    async with start_replica(mesh, **overrides) as channel:
        yield pb_grpc.EngagementServiceStub(channel)
