"""The post service and its peers (media, auth, graph), started in-process on port 0 against the real stack."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from feedmesh.media.v1 import media_service_pb2_grpc
from feedmesh.post.internal.v1 import post_internal_service_pb2_grpc
from feedmesh.post.v1 import post_service_pb2_grpc

from services.common.server import GrpcServer
from services.media.settings import MediaSettings
from services.media.wiring import build as build_media
from services.post.settings import PostSettings
from services.post.wiring import build as build_post
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations, start_service

DENYLIST = ["forbiddenword", "very bad phrase"]
HAVE_GRAPH = importlib.util.find_spec("services.graph.wiring") is not None


def as_user(user_id: int, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return (("x-feedmesh-user-id", str(user_id)), *extra)


def suffix() -> str:
    return uuid.uuid4().hex[:10]


@dataclass
class Mesh:
    post: post_service_pb2_grpc.PostServiceStub
    post_internal: post_internal_service_pb2_grpc.PostInternalServiceStub
    media: media_service_pb2_grpc.MediaServiceStub
    auth: auth_service_pb2_grpc.AuthServiceStub
    graph: Any  # graph_service_pb2_grpc.GraphServiceStub when the graph service exists
    post_address: str

    async def new_user(self, *, private: bool = False, prefix: str = "p") -> tuple[int, str]:
        handle = f"{prefix}_{suffix()}"
        response = await self.auth.CreateUser(
            auth_service_pb2.CreateUserRequest(handle=handle, password="correct horse battery", private=private)
        )
        return response.id, handle


@pytest.fixture(scope="package")
async def mesh(stack_settings: StackSettings) -> AsyncIterator[Mesh]:
    from services.auth.settings import AuthSettings
    from services.auth.wiring import build as build_auth

    servers: list[GrpcServer] = []
    channels: list[grpc.aio.Channel] = []
    try:
        await apply_migrations(stack_settings, below=60)  # up to the media range, 0050-0059
        media, media_address = await start_service(build_media, MediaSettings, stack_settings)
        servers.append(media)
        auth, auth_address = await start_service(
            build_auth, AuthSettings, stack_settings, password_time_cost=1, password_memory_kib=1024
        )
        servers.append(auth)
        graph_address = ""
        if HAVE_GRAPH:
            from services.graph.settings import GraphSettings  # type: ignore[import-not-found,unused-ignore]
            from services.graph.wiring import build as build_graph  # type: ignore[import-not-found,unused-ignore]

            graph, graph_address = await start_service(
                build_graph, GraphSettings, stack_settings, auth_target=auth_address
            )
            servers.append(graph)
        post, post_address = await start_service(
            build_post,
            PostSettings,
            stack_settings,
            auth_target=auth_address,
            graph_target=graph_address or "127.0.0.1:1",
            media_target=media_address,
            engagement_target="",
            content_denylist=DENYLIST,
        )
        servers.append(post)

        def channel(address: str) -> grpc.aio.Channel:
            channels.append(grpc.aio.insecure_channel(address))
            return channels[-1]

        graph_stub = None
        if HAVE_GRAPH:
            from feedmesh.graph.v1 import graph_service_pb2_grpc

            graph_stub = graph_service_pb2_grpc.GraphServiceStub(channel(graph_address))
        yield Mesh(
            post=post_service_pb2_grpc.PostServiceStub(channel(post_address)),
            post_internal=post_internal_service_pb2_grpc.PostInternalServiceStub(channel(post_address)),
            media=media_service_pb2_grpc.MediaServiceStub(channel(media_address)),
            auth=auth_service_pb2_grpc.AuthServiceStub(channel(auth_address)),
            graph=graph_stub,
            post_address=post_address,
        )
    finally:
        for ch in channels:
            await ch.close()
        for server in reversed(servers):
            await server.stop(grace=0)
