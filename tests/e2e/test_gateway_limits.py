"""Per-user rate limits at the gateway, on a throw-away gateway rendered from the same template with tiny budgets
(the main gateway's budgets stay untouched): past the budget a user gets 429 with rate-limit headers and the
contract's JSON error (RESOURCE_EXHAUSTED over gRPC), before the request reaches a service; another user, and the
other budget (reads vs writes), are unaffected."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import grpc
import httpx
import pytest

from tests.e2e.conftest import PASSWORD, Gateway, User

pytestmark = pytest.mark.e2e

READS, WRITES, PUBLIC = 5, 3, 4


@pytest.fixture
def limited(start_gateway: Callable[..., Gateway]) -> Gateway:
    return start_gateway(
        FEEDMESH_RATE_READ_PER_MIN=str(READS),
        FEEDMESH_RATE_WRITE_PER_MIN=str(WRITES),
        FEEDMESH_RATE_PUBLIC_PER_MIN=str(PUBLIC),
    )


def _limited(reply: httpx.Response) -> None:
    assert reply.status_code == 429, reply.text
    assert reply.json() == {"code": 8, "message": "rate limit exceeded; retry later", "details": []}
    assert reply.headers["x-ratelimit-remaining"] == "0"
    assert "x-ratelimit-limit" in reply.headers and "x-ratelimit-reset" in reply.headers


def test_a_flooding_user_gets_429_and_others_do_not(limited: Gateway, new_user: Callable[..., User]) -> None:
    flooder, bystander = new_user(), new_user()
    with httpx.Client(base_url=limited.url) as client:
        for i in range(READS):
            reply = client.get(f"/v1/users/{flooder.id}", headers=flooder.auth)
            assert reply.status_code == 200, reply.text
            assert reply.headers["x-ratelimit-limit"] == str(READS)
            assert reply.headers["x-ratelimit-remaining"] == str(READS - 1 - i)
        upstream_before = limited.stat("cluster.graph.upstream_rq_total")
        _limited(client.get(f"/v1/users/{flooder.id}", headers=flooder.auth))
        assert limited.stat("cluster.graph.upstream_rq_total") == upstream_before  # answered before any service
        # another user still reads; the flooder's write budget is separate
        assert client.get(f"/v1/users/{flooder.id}", headers=bystander.auth).status_code == 200
        assert client.post("/v1/posts", json={"text": "a write"}, headers=flooder.auth).status_code == 200


def test_write_budget(limited: Gateway, new_user: Callable[..., User]) -> None:
    writer, other = new_user(), new_user()
    with httpx.Client(base_url=limited.url) as client:
        for _ in range(WRITES):
            assert client.post("/v1/posts", json={"text": "w"}, headers=writer.auth).status_code == 200
        _limited(client.post("/v1/posts", json={"text": "w"}, headers=writer.auth))
        assert client.post("/v1/posts", json={"text": "w"}, headers=other.auth).status_code == 200
        assert client.get(f"/v1/users/{writer.id}", headers=writer.auth).status_code == 200  # reads unaffected


def test_grpc_callers_share_the_budget_and_get_resource_exhausted(
    limited: Gateway, new_user: Callable[..., User]
) -> None:
    from feedmesh.graph.v1 import graph_service_pb2 as graph_pb2
    from feedmesh.graph.v1 import graph_service_pb2_grpc as graph_grpc

    user = new_user()
    with httpx.Client(base_url=limited.url) as client:
        for _ in range(READS - 1):
            assert client.get(f"/v1/users/{user.id}", headers=user.auth).status_code == 200
    with grpc.insecure_channel(f"127.0.0.1:{limited.port}") as channel:
        stub = graph_grpc.GraphServiceStub(channel)
        metadata = (("authorization", f"Bearer {user.token}"),)
        stub.GetUser(graph_pb2.GetUserRequest(user_id=user.id), metadata=metadata, timeout=5)  # the last read
        with pytest.raises(grpc.RpcError) as failure:
            stub.GetUser(graph_pb2.GetUserRequest(user_id=user.id), metadata=metadata, timeout=5)
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_public_routes_are_limited_per_address(limited: Gateway) -> None:
    with httpx.Client(base_url=limited.url) as client:
        for _ in range(PUBLIC):
            reply = client.post("/v1/sessions", json={"handle": f"nobody_{secrets.token_hex(3)}", "password": PASSWORD})
            assert reply.status_code == 401, reply.text  # reached the auth service: wrong credentials
        _limited(client.post("/v1/users", json={"handle": f"e2e_{secrets.token_hex(5)}", "password": PASSWORD}))
