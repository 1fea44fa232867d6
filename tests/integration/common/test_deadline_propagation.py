"""A request's remaining budget reaches the calls it causes: the real graph service, asked for a user it has not
cached, asks auth (here a stand-in that notes the deadline it was given) within what is left of the caller's budget,
not with its own default peer deadline (FEEDMESH_DEFAULT_DEADLINE_SECONDS, 2 s)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import grpc
import pytest
from feedmesh.auth.internal.v1 import auth_internal_service_pb2, auth_internal_service_pb2_grpc
from feedmesh.auth.v1 import user_pb2
from feedmesh.graph.v1 import graph_service_pb2, graph_service_pb2_grpc

from services.common.deadlines import ENVOY_BUDGET_HEADER
from services.common.identity import USER_ID_HEADER
from services.common.server import GrpcServer, ServiceBinding
from services.common.settings import ServerSettings
from services.graph.settings import GraphSettings
from services.graph.wiring import build as build_graph
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations, start_service

PEER_DEFAULT_SECONDS = 2.0


class RecordingAuth(auth_internal_service_pb2_grpc.AuthInternalServiceServicer):
    """Answers BatchGetUsers with a user per id and notes the time each call had left when it arrived."""

    def __init__(self) -> None:
        self.time_remaining: list[float | None] = []

    async def BatchGetUsers(
        self, request: auth_internal_service_pb2.BatchGetUsersRequest, context: grpc.aio.ServicerContext
    ) -> auth_internal_service_pb2.BatchGetUsersResponse:
        self.time_remaining.append(context.time_remaining())
        users = [user_pb2.User(id=user_id, handle=f"u{user_id}") for user_id in request.user_ids]
        return auth_internal_service_pb2.BatchGetUsersResponse(users=users)


@pytest.fixture
async def mesh(stack_settings: StackSettings) -> AsyncIterator[tuple[RecordingAuth, str]]:
    await apply_migrations(stack_settings, below=30)
    auth = RecordingAuth()
    auth_server = GrpcServer(
        ServerSettings(service_name="auth"),
        [
            ServiceBinding(
                "feedmesh.auth.internal.v1.AuthInternalService",
                lambda s: auth_internal_service_pb2_grpc.add_AuthInternalServiceServicer_to_server(auth, s),
            )
        ],
    )
    auth_port = await auth_server.start()
    graph, graph_address = await start_service(
        build_graph,
        GraphSettings,
        stack_settings,
        auth_target=f"127.0.0.1:{auth_port}",
        default_deadline_seconds=PEER_DEFAULT_SECONDS,
    )
    try:
        yield auth, graph_address
    finally:
        await graph.stop(grace=0)
        await auth_server.stop(grace=0)


def _unknown_user() -> int:
    return random.randrange(10**17, 10**18)  # never cached: the graph must ask auth


async def test_a_grpc_callers_deadline_bounds_the_peer_call(mesh) -> None:
    auth, graph_address = mesh
    async with grpc.aio.insecure_channel(graph_address) as channel:
        user_id = _unknown_user()
        user = await graph_service_pb2_grpc.GraphServiceStub(channel).GetUser(
            graph_service_pb2.GetUserRequest(user_id=user_id), metadata=((USER_ID_HEADER, "1"),), timeout=0.8
        )
    assert user.id == user_id
    [left] = auth.time_remaining
    assert left is not None and 0.1 < left <= 0.8


async def test_the_gateways_budget_bounds_the_peer_call_of_a_transcoded_request(mesh) -> None:
    auth, graph_address = mesh
    async with grpc.aio.insecure_channel(graph_address) as channel:
        user_id = _unknown_user()
        # a REST call as Envoy forwards it: no grpc-timeout, the try's budget in a header
        user = await graph_service_pb2_grpc.GraphServiceStub(channel).GetUser(
            graph_service_pb2.GetUserRequest(user_id=user_id),
            metadata=((USER_ID_HEADER, "1"), (ENVOY_BUDGET_HEADER, "700")),
        )
    assert user.id == user_id
    [left] = auth.time_remaining
    assert left is not None and 0.1 < left <= 0.7
