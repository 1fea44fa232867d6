"""Signing-key rotation without downtime: the gateway picks up a new key of the auth service's JWKS by itself,
while tokens signed by the previous key stay valid until they expire. Runs its own auth service (on a scratch key
ring, keys active 2 s after publication) behind a throw-away gateway that re-reads the JWKS every second."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import jwt
import pytest
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.polling import wait_for_sync, wait_until_sync
from stack.settings import ROOT, StackSettings
from tests.e2e.conftest import PASSWORD, Gateway, User, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def scratch_auth(stack: StackSettings, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        **stack.values,
        "PYTHONPATH": f"{ROOT / 'gen'}:{ROOT}",
        "FEEDMESH_LISTEN_ADDRESS": address,
        "FEEDMESH_METRICS_PORT": str(free_port()),
        "FEEDMESH_AUTH_KEY_DIR": str(tmp_path / "jwt"),
        "FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS": "2",
    }
    with (tmp_path / "auth.log").open("ab") as log:
        service = subprocess.Popen([sys.executable, "-m", "services.auth"], env=env, cwd=ROOT, stdout=log, stderr=log)
    try:

        def serving() -> bool:
            assert service.poll() is None, (tmp_path / "auth.log").read_text()
            try:
                with grpc.insecure_channel(address) as channel:
                    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.RpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

        wait_until_sync(serving, what="the scratch auth service reporting SERVING", within=30, interval=0.2)
        yield address, env
    finally:
        service.terminate()
        service.wait(10)


def signing_kid(address: str, user: User) -> str:
    """The key id of a new session token of `user`: the key the auth service signs with now."""
    with grpc.insecure_channel(address) as channel:
        session = auth_service_pb2_grpc.AuthServiceStub(channel).CreateSession(
            auth_service_pb2.CreateSessionRequest(handle=user.handle, password=PASSWORD), timeout=10
        )
    return str(jwt.get_unverified_header(session.access_token)["kid"])


def test_new_key_is_picked_up_and_old_tokens_stay_valid(
    scratch_auth: tuple[str, dict[str, str]],
    start_gateway: Callable[..., Gateway],
    new_user: Callable[..., User],
) -> None:
    address, env = scratch_auth
    gateway = start_gateway(FEEDMESH_GATEWAY_AUTH_ENDPOINTS=address, FEEDMESH_GATEWAY_JWKS_CACHE_SECONDS="1")
    before = new_user(target=address)
    old_kid = jwt.get_unverified_header(before.token)["kid"]

    rotated = subprocess.run(
        [sys.executable, "-m", "services.auth.keys", "rotate"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert rotated.returncode == 0, rotated.stderr
    # The new key signs once it has been published for FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS: sign in again until a
    # session's token carries another key id.
    wait_for_sync(
        lambda: signing_kid(address, before),
        lambda kid: kid != old_kid,
        what="tokens signed by the new key",
        interval=0.2,
    )
    after = new_user(target=address)
    assert jwt.get_unverified_header(after.token)["kid"] != old_kid

    with httpx.Client(base_url=gateway.url) as client:
        for user in (before, after):  # no gateway restart in between
            assert client.get(f"/v1/users/{user.id}", headers=user.auth).status_code == 200
        kids = {key["kid"] for key in client.get("/v1/jwks").json()["keys"]}
    assert old_kid in kids and len(kids) == 2
