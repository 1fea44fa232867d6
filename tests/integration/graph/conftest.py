"""The graph service and its peer, auth, started in-process on port 0 against the real stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2_grpc
from feedmesh.graph.v1 import graph_service_pb2_grpc

from services.auth.settings import AuthSettings
from services.auth.wiring import build as build_auth
from services.common.identity import USER_ID_HEADER
from services.common.server import GrpcServer
from services.graph.settings import GraphSettings
from services.graph.wiring import build as build_graph
from stack import clients
from stack.schema import postgres as pg_schema
from stack.settings import StackSettings
from tests.integration.harness import start_service

CELEBRITY_THRESHOLD = 2


def as_user(user_id: int) -> tuple[tuple[str, str], ...]:
    return ((USER_ID_HEADER, str(user_id)),)


@dataclass
class Mesh:
    graph: graph_service_pb2_grpc.GraphServiceStub
    graph_internal: graph_internal_service_pb2_grpc.GraphInternalServiceStub
    auth: auth_service_pb2_grpc.AuthServiceStub

    async def new_user(self, *, private: bool = False, prefix: str = "g") -> int:
        """Registers a user with a handle no earlier run used (the database is not wiped between runs)."""
        response = await self.auth.CreateUser(
            auth_service_pb2.CreateUserRequest(
                handle=f"{prefix}_{uuid.uuid4().hex[:12]}", password="correct horse battery", private=private
            ),
            timeout=10,
        )
        return int(response.id)

    async def new_users(self, count: int, *, private: bool = False) -> list[int]:
        return [await self.new_user(private=private) for _ in range(count)]


@pytest.fixture(scope="package")
async def graph_schema(stack_settings: StackSettings) -> None:
    """The shared, auth and graph migrations (0001-0029), applied if they are not yet."""
    wanted = [p for p in pg_schema.migrations() if int(p.name[:4]) < 30]
    conn = await clients.pg_connect(stack_settings)
    try:
        await pg_schema.migrate(conn, wanted)
    finally:
        await conn.close()


@pytest.fixture(scope="package")
async def mesh(
    stack_settings: StackSettings, graph_schema: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Mesh]:
    servers: list[GrpcServer] = []
    try:
        auth, auth_address = await start_service(
            build_auth,
            AuthSettings,
            stack_settings,
            auth_key_dir=str(tmp_path_factory.mktemp("jwt")),
            auth_key_activation_seconds=0,
            password_time_cost=1,
            password_memory_kib=1024,
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
        async with grpc.aio.insecure_channel(graph_address) as g, grpc.aio.insecure_channel(auth_address) as a:
            yield Mesh(
                graph=graph_service_pb2_grpc.GraphServiceStub(g),
                graph_internal=graph_internal_service_pb2_grpc.GraphInternalServiceStub(g),
                auth=auth_service_pb2_grpc.AuthServiceStub(a),
            )
    finally:
        for server in reversed(servers):
            await server.stop(grace=0)
