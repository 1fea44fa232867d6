"""The internal services (feedmesh.<svc>.internal.v1) are refused by the gateway: every method of every one answers
404 to a REST caller (the contract's JSON error) and to a native gRPC caller (read as UNIMPLEMENTED), with a valid
token; without one the JWT filter answers 401 first. The services themselves still serve them on their own
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
    assert len(methods) >= 20
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
            assert "404" in (failure.value.details() or ""), (path, failure.value.details())
