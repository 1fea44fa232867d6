"""The shared server skeleton, started for real on port 0 (no external servers needed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
import redis.exceptions
from feedmesh.ranking.internal.v1 import ranking_service_pb2 as pb
from feedmesh.ranking.internal.v1 import ranking_service_pb2_grpc as pb_grpc
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from opentelemetry import trace

from services.common.clients import ChannelPool
from services.common.deadlines import ENVOY_BUDGET_HEADER
from services.common.errors import NotFound
from services.common.polling import wait_until
from services.common.server import GrpcServer, ServiceBinding
from services.common.settings import ServerSettings
from services.common.telemetry import configure_tracing

SERVICE = "feedmesh.ranking.internal.v1.RankingService"


class ScriptedRanking(pb_grpc.RankingServiceServicer):
    """Behaves according to viewer_id, so each test can drive one path of the skeleton."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.finish = asyncio.Event()

    async def ScorePosts(
        self, request: pb.ScorePostsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ScorePostsResponse:
        if request.viewer_id == 1:
            raise NotFound("viewer 1 does not exist", reason="VIEWER_NOT_FOUND")
        if request.viewer_id == 2:
            raise RuntimeError("database password is hunter2")
        if request.viewer_id == 3:  # a call in flight until the test lets it finish
            self.started.set()
            await wait_until(self.finish.is_set, what="the test to let the call finish", within=30)
        if request.viewer_id == 5:  # a store that does not answer
            raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        if request.viewer_id == 4:  # answers with the trace the handler runs in
            trace_id = trace.get_current_span().get_span_context().trace_id
            return pb.ScorePostsResponse(model_version=format(trace_id, "032x"))
        return pb.ScorePostsResponse(scores=[1.0] * len(request.candidates), model_version="test")


@pytest.fixture
async def running() -> AsyncIterator[tuple[GrpcServer, ScriptedRanking, grpc.aio.Channel]]:
    servicer = ScriptedRanking()
    server = GrpcServer(
        settings=ServerSettings(service_name="ranking", listen_address="127.0.0.1:0", shutdown_grace_seconds=5),
        bindings=[ServiceBinding(SERVICE, lambda s: pb_grpc.add_RankingServiceServicer_to_server(servicer, s))],
    )
    closed: list[str] = []

    async def close_pool() -> None:
        closed.append("pool")

    server.add_closer(close_pool)
    port = await server.start()
    assert port > 0
    pool = ChannelPool(default_timeout=2.0)
    try:
        yield server, servicer, pool.channel(f"127.0.0.1:{port}")
    finally:
        await server.stop(grace=0)
        await pool.close()


async def test_health_reports_serving_for_server_and_service(running) -> None:
    _, _, channel = running
    stub = health_pb2_grpc.HealthStub(channel)
    for name in ("", SERVICE):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=name))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_service(running) -> None:
    _, _, channel = running
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = set()
    async for reply in replies:
        names |= {s.name for s in reply.list_services_response.service}
    assert SERVICE in names
    assert "grpc.health.v1.Health" in names


def _reason(err: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(err)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    return info.reason


async def _failed_call(channel: grpc.aio.Channel, viewer_id: int) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await pb_grpc.RankingServiceStub(channel).ScorePosts(pb.ScorePostsRequest(viewer_id=viewer_id))
    return caught.value


async def test_domain_error_maps_to_status_message_and_reason(running) -> None:
    err = await _failed_call(running[2], 1)
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert err.details() == "viewer 1 does not exist"
    assert _reason(err) == "VIEWER_NOT_FOUND"


async def test_unexpected_error_is_internal_without_leaking(running) -> None:
    err = await _failed_call(running[2], 2)
    assert err.code() == grpc.StatusCode.INTERNAL
    assert err.details() == "internal error"
    assert "hunter2" not in str(err.debug_error_string())


async def test_a_store_outage_is_unavailable_with_retry_after(running) -> None:
    err = await _failed_call(running[2], 5)
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert "6379" not in (err.details() or "")
    assert _reason(err) == "REDIS_UNAVAILABLE"
    assert ("retry-after", "2") in list(err.trailing_metadata() or ())


async def test_a_handler_is_stopped_when_the_gateways_budget_is_spent(running) -> None:
    server, servicer, _ = running
    # no gRPC deadline, as a transcoded REST call arrives: only the gateway's header bounds it
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        started = asyncio.get_running_loop().time()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await pb_grpc.RankingServiceStub(channel).ScorePosts(
                pb.ScorePostsRequest(viewer_id=3), metadata=((ENVOY_BUDGET_HEADER, "300"),)
            )
        took = asyncio.get_running_loop().time() - started
    assert servicer.started.is_set()
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert _reason(caught.value) == "BUDGET_EXHAUSTED"
    assert took < 1.0


async def test_handlers_run_in_the_callers_trace_or_start_one(running) -> None:
    configure_tracing("test")
    _, _, channel = running
    stub = pb_grpc.RankingServiceStub(channel)
    caller = "4bf92f3577b34da6a3ce929d0e0e4736"
    reply = await stub.ScorePosts(
        pb.ScorePostsRequest(viewer_id=4), metadata=(("traceparent", f"00-{caller}-00f067aa0ba902b7-01"),)
    )
    assert reply.model_version == caller
    first, second = [(await stub.ScorePosts(pb.ScorePostsRequest(viewer_id=4))).model_version for _ in range(2)]
    assert first != second and int(first, 16) != 0 and int(second, 16) != 0  # a new trace per call


async def test_graceful_stop_drains_in_flight_and_closes_resources() -> None:
    servicer = ScriptedRanking()
    server = GrpcServer(
        settings=ServerSettings(service_name="ranking", listen_address="127.0.0.1:0", shutdown_grace_seconds=5),
        bindings=[ServiceBinding(SERVICE, lambda s: pb_grpc.add_RankingServiceServicer_to_server(servicer, s))],
    )
    closed: list[str] = []

    async def close_pool() -> None:
        closed.append("pool")

    server.add_closer(close_pool)
    port = await server.start()
    pool = ChannelPool()
    channel = pool.channel(f"127.0.0.1:{port}")
    in_flight = asyncio.ensure_future(
        pb_grpc.RankingServiceStub(channel).ScorePosts(
            pb.ScorePostsRequest(viewer_id=3, candidates=[pb.RankingCandidate(post_id=1)])
        )
    )
    await servicer.started.wait()
    health = health_pb2_grpc.HealthStub(channel)
    stopping = asyncio.ensure_future(server.stop())

    async def shutting_down() -> bool:
        try:
            reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=0.5)
        except grpc.aio.AioRpcError:
            return True  # no longer taking calls
        return reply.status == health_pb2.HealthCheckResponse.NOT_SERVING

    await wait_until(shutting_down, what="the server shutting down")
    servicer.finish.set()
    reply = await in_flight  # the call that was running completes despite the stop
    assert list(reply.scores) == [1.0]
    await stopping
    assert closed == ["pool"]
    with pytest.raises(grpc.aio.AioRpcError):
        await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=0.5)
    await pool.close()


async def test_deadline_is_added_to_calls_without_one(running) -> None:
    server, _, _ = running
    pool = ChannelPool(default_timeout=0.1)
    channel = pool.channel(f"127.0.0.1:{server.port}")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await pb_grpc.RankingServiceStub(channel).ScorePosts(pb.ScorePostsRequest(viewer_id=3))
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    await pool.close()


async def test_metadata_as_large_as_the_gateway_forwards_is_accepted(running) -> None:
    """Envoy's largest headers (32 KiB) plus the transcoder's copy of the URL reach the handler."""
    _, _, channel = running
    long_url = "/v1/feed?cursor=" + "A" * 31_000
    metadata = (("x-envoy-original-path", long_url), ("x-padding", "b" * 31_000))
    reply = await pb_grpc.RankingServiceStub(channel).ScorePosts(pb.ScorePostsRequest(viewer_id=9), metadata=metadata)
    assert reply.model_version == "test"
