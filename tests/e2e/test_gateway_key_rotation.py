"""Signing-key rotation without downtime: the gateway picks up a new key of the auth service's JWKS by itself,
while tokens signed by the previous key stay valid until they expire. Runs its own auth service (on a scratch key
ring, keys active 2 s after publication) behind a throw-away gateway that re-reads the JWKS every second."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import jwt
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stack.settings import ROOT, StackSettings
from tests.e2e.conftest import Gateway, User, free_port

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
        deadline = time.monotonic() + 30
        while True:
            try:
                with grpc.insecure_channel(address) as channel:
                    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    break
            except grpc.RpcError:
                pass
            assert service.poll() is None and time.monotonic() < deadline, (tmp_path / "auth.log").read_text()
            time.sleep(0.2)
        yield address, env
    finally:
        service.terminate()
        service.wait(10)


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
    time.sleep(2.5)  # the new key signs once it has been published for FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS
    after = new_user(target=address)
    assert jwt.get_unverified_header(after.token)["kid"] != old_kid

    with httpx.Client(base_url=gateway.url) as client:
        for user in (before, after):  # no gateway restart in between
            assert client.get(f"/v1/users/{user.id}", headers=user.auth).status_code == 200
        kids = {key["kid"] for key in client.get("/v1/jwks").json()["keys"]}
    assert old_kid in kids and len(kids) == 2
