"""Server-streaming handlers under the shared skeleton: a store outage mid-stream ends the stream UNAVAILABLE with
`retry-after`, a domain error keeps its code and reason, anything else is INTERNAL without its details (no servers
needed: the skeleton runs on port 0)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import redis.exceptions
from feedmesh.notification.v1 import notification_service_pb2 as pb
from feedmesh.notification.v1 import notification_service_pb2_grpc as pb_grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.common.errors import NotFound
from services.common.server import GrpcServer, ServiceBinding
from services.common.settings import ServerSettings

SERVICE = "feedmesh.notification.v1.NotificationService"
# which failure the scripted stream ends with, chosen by the caller's metadata
FAILURE = "x-test-failure"


class ScriptedStream(pb_grpc.NotificationServiceServicer):
    """Sends one heartbeat, then fails as the caller asked."""

    async def StreamNotifications(
        self, request: pb.StreamNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamNotificationsResponse]:
        failure = dict(context.invocation_metadata() or ()).get(FAILURE)
        yield pb.StreamNotificationsResponse(unread_count=1)
        if failure == "redis":
            raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        if failure == "domain":
            raise NotFound("no such reader", reason="READER_NOT_FOUND")
        raise RuntimeError("database password is hunter2")


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    servicer = ScriptedStream()
    server = GrpcServer(
        settings=ServerSettings(service_name="notification", listen_address="127.0.0.1:0", shutdown_grace_seconds=1),
        bindings=[ServiceBinding(SERVICE, lambda s: pb_grpc.add_NotificationServiceServicer_to_server(servicer, s))],
    )
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
            yield opened
    finally:
        await server.stop(grace=0)


async def _stream_until_failure(
    channel: grpc.aio.Channel, failure: str
) -> tuple[list[pb.StreamNotificationsResponse], grpc.aio.AioRpcError]:
    received: list[pb.StreamNotificationsResponse] = []
    call = pb_grpc.NotificationServiceStub(channel).StreamNotifications(
        pb.StreamNotificationsRequest(), metadata=((FAILURE, failure),), timeout=5
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for message in call:
            received.append(message)
    return received, caught.value


def _reason(err: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(err)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    return info.reason


async def test_an_outage_mid_stream_ends_it_unavailable_with_retry_after(channel) -> None:
    received, err = await _stream_until_failure(channel, "redis")
    assert [m.unread_count for m in received] == [1]
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert _reason(err) == "REDIS_UNAVAILABLE"
    assert ("retry-after", "2") in list(err.trailing_metadata() or ())
    assert "6379" not in (err.details() or "")


async def test_a_domain_error_in_a_stream_keeps_its_code_and_reason(channel) -> None:
    _, err = await _stream_until_failure(channel, "domain")
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert err.details() == "no such reader"
    assert _reason(err) == "READER_NOT_FOUND"


async def test_an_unexpected_error_in_a_stream_is_internal_without_leaking(channel) -> None:
    _, err = await _stream_until_failure(channel, "other")
    assert err.code() == grpc.StatusCode.INTERNAL
    assert err.details() == "internal error"
    assert "hunter2" not in str(err.debug_error_string())
