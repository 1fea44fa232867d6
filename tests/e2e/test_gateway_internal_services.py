"""The internal services (feedmesh.<svc>.internal.v1) are refused by the gateway: every method of every one answers
404 to a REST caller (the contract's JSON error) and UNIMPLEMENTED to a native gRPC caller (Envoy's gRPC form of
its 404: a trailers-only answer with grpc-status 12), with a valid token; without one the JWT filter answers 401
first. The services themselves still serve them on their own
addresses (the integration tests)."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import httpx
import pytest

from tests.e2e.conftest import Gateway, User
from tests.unit.test_gateway_internal_services import internal_methods

pytestmark = pytest.mark.e2e


def test_rest_callers_get_404_for_every_internal_method(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    methods = internal_methods()
    assert methods
    for path in methods:
        reply = client.post(path, json={}, headers=user.auth)
        assert reply.status_code == 404, (path, reply.text)
        assert reply.json()["code"] == 5
        assert client.get(path, headers=user.auth).status_code == 404
    assert client.post(methods[0], json={}).status_code == 401


async def test_grpc_callers_get_unimplemented_for_every_internal_method(
    gateway: Gateway, new_user: Callable[..., User]
) -> None:
    user = new_user()
    metadata = (("authorization", f"Bearer {user.token}"),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
        for path in internal_methods():
            call = channel.unary_unary(path, request_serializer=bytes, response_deserializer=bytes)
            with pytest.raises(grpc.aio.AioRpcError) as failure:
                await call(b"", metadata=metadata, timeout=5)
            assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED, path


def test_grpc_framed_calls_get_the_grpc_form_of_404(gateway: Gateway, new_user: Callable[..., User]) -> None:
    """Over h2c with gRPC framing, the refusal is the gateway's own (no upstream was asked): grpc-status 12 in a
    trailers-only answer, Envoy's mapping of its HTTP 404; skipped when httpx has no `h2`."""
    pytest.importorskip("h2")
    user = new_user()
    headers = {**user.auth, "content-type": "application/grpc", "te": "trailers"}
    with httpx.Client(http1=False, http2=True, base_url=gateway.url) as h2:
        for path in internal_methods():
            reply = h2.post(path, content=b"\x00\x00\x00\x00\x00", headers=headers)
            assert (reply.http_version, reply.status_code) == ("HTTP/2", 200), path
            assert reply.headers.get("grpc-status") == "12" and "x-envoy-upstream-service-time" not in reply.headers
