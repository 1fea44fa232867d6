"""Fixtures for the end-to-end tests: the public contract through the real Envoy gateway, with real HTTP and gRPC
clients, against the running services and data tier.

- `gateway`: the gateway `make up` runs (127.0.0.1:FEEDMESH_GATEWAY_PORT). If it, a service, or the data tier does
  not answer, `bash stack/up.sh` runs once (its hooks start the services and the gateway); FEEDMESH_NO_AUTO_UP=1
  fails instead. This is the one place that knows how the system under test is started.
- `start_gateway(**env)`: a second, throw-away Envoy rendered from the same template on free ports with setting
  overrides (low rate limits, another auth instance), so that the main gateway's budgets stay untouched.
- `new_user()`: a fresh account and its access token. Accounts are made over gRPC straight at the auth service so
  that fixtures do not spend the main gateway's public budget (30/min per address); the public routes themselves
  are tested through the gateway.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest

from gateway import process
from gateway.render import render
from gateway.settings import load_gateway_settings
from stack.settings import ROOT, StackSettings, load_settings

pytestmark = pytest.mark.e2e

SERVICES_UNDER_TEST = ("auth", "graph", "post", "media", "engagement", "notification")
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Gateway:
    url: str
    admin_url: str
    port: int

    def stat(self, name: str) -> int:
        """One counter from the admin's /stats (0 when absent)."""
        text = httpx.get(f"{self.admin_url}/stats", params={"filter": f"^{name}$"}, timeout=5).text
        for line in text.splitlines():
            key, _, value = line.partition(": ")
            if key == name:
                return int(value)
        return 0


@dataclass(frozen=True)
class User:
    id: int
    handle: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


def _answers(settings: StackSettings) -> bool:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    try:
        if httpx.get(f"http://127.0.0.1:{settings['FEEDMESH_GATEWAY_PORT']}/healthz", timeout=2).status_code != 200:
            return False
        for svc in SERVICES_UNDER_TEST:
            with grpc.insecure_channel(settings[f"FEEDMESH_{svc.upper()}_TARGET"]) as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
                if reply.status != health_pb2.HealthCheckResponse.SERVING:
                    return False
    except (httpx.HTTPError, grpc.RpcError):
        return False
    return True


@pytest.fixture(scope="session")
def stack() -> StackSettings:
    """The running system (data tier, services, gateway), started by `stack/up.sh` when something is missing."""
    settings = load_settings()
    if not _answers(settings):
        if os.environ.get("FEEDMESH_NO_AUTO_UP") == "1":
            pytest.exit("the gateway or a service does not answer: run `make up`", returncode=3)
        print("\nthe gateway or a service does not answer: running stack/up.sh", file=sys.stderr)
        if subprocess.run(["bash", str(ROOT / "stack" / "up.sh")], cwd=ROOT).returncode != 0:
            pytest.exit("stack/up.sh failed (see its output above)", returncode=3)
        settings = load_settings()
    return settings


@pytest.fixture(scope="session")
def gateway(stack: StackSettings) -> Gateway:
    port = int(stack["FEEDMESH_GATEWAY_PORT"])
    return Gateway(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{stack['FEEDMESH_ENVOY_ADMIN_PORT']}", port)


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=15) as c:
        yield c


@pytest.fixture(scope="session")
def new_user(stack: StackSettings) -> Callable[..., User]:
    from feedmesh.auth.v1 import auth_service_pb2 as auth_pb2
    from feedmesh.auth.v1 import auth_service_pb2_grpc as auth_grpc

    def make(private: bool = False, target: str | None = None) -> User:
        handle = f"e2e_{secrets.token_hex(6)}"
        with grpc.insecure_channel(target or stack["FEEDMESH_AUTH_TARGET"]) as channel:
            stub = auth_grpc.AuthServiceStub(channel)
            stub.CreateUser(auth_pb2.CreateUserRequest(handle=handle, password=PASSWORD, private=private), timeout=10)
            session = stub.CreateSession(auth_pb2.CreateSessionRequest(handle=handle, password=PASSWORD), timeout=10)
        return User(session.user_id, handle, session.access_token)

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start_gateway(stack: StackSettings, tmp_path: Path) -> Iterator[Callable[..., Gateway]]:
    """Starts extra gateways from the same template, on free ports, with FEEDMESH_* overrides; stops them after."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**overrides: str) -> Gateway:
        port, admin, jwks, dashboard = free_port(), free_port(), free_port(), free_port()
        environ = {
            **os.environ,
            "FEEDMESH_GATEWAY_PORT": str(port),
            "FEEDMESH_ENVOY_ADMIN_PORT": str(admin),
            "FEEDMESH_GATEWAY_JWKS_PORT": str(jwks),
            "FEEDMESH_DASHBOARD_PORT": str(dashboard),
            **overrides,
        }
        out = tmp_path / f"gateway-{port}"
        config = render(load_gateway_settings(environ), out)
        envoy = process.start(config, out / "envoy.log")
        started.append(envoy)
        process.wait_ready(admin, timeout=30, process=envoy)
        return Gateway(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin}", port)

    yield start
    for envoy in started:
        process.stop(envoy)
