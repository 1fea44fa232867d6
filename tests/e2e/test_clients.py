"""The generated clients in clients/ run their own live tests against the running gateway, as a user of each would:
`go test ./...` in clients/go (native gRPC, h2c) and `node --test` in clients/ts after `tsc` (gRPC-Web through the
gateway's grpc_web filter, and a browser origin's CORS). Each signs up two people, logs them in, follows, posts and
finds the post in the follower's feed. FEEDMESH_CLIENTS_REQUIRE_GATEWAY=1 turns their skip-when-no-gateway into a
failure: here the stack is up. Their dependencies come from `make client-deps` (make test runs it).

Cost, measured on 2 cores: about 6 s with warm caches (go test 2.5 s, tsc + node --test 3 s); a cold Go build cache
adds about 35 s once (compiling grpc-go into ~/.cache/feedmesh/go/build)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from stack.settings import ROOT
from tests.e2e.conftest import Gateway

pytestmark = pytest.mark.e2e

CACHE = Path(os.environ.get("FEEDMESH_CACHE", Path.home() / ".cache" / "feedmesh"))
# each runner bounds its own waits (15 s for a post to arrive, 65 s for the public budget); this only stops a hang
RUN_TIMEOUT_SECONDS = 300


def _run(command: list[str], cwd: Path, gateway: Gateway, **env: str) -> None:
    environ = {
        **os.environ,
        "FEEDMESH_CLIENTS_REQUIRE_GATEWAY": "1",
        "FEEDMESH_GATEWAY_ADDR": f"127.0.0.1:{gateway.port}",
        "FEEDMESH_GATEWAY_URL": gateway.url,
        **env,
    }
    done = subprocess.run(
        command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} in {cwd} failed:\n{done.stdout}\n{done.stderr}"


def test_go_client(gateway: Gateway) -> None:
    _run(
        ["go", "test", "-count=1", "./..."],
        ROOT / "clients" / "go",
        gateway,
        GOMODCACHE=str(CACHE / "go" / "mod"),
        GOCACHE=str(CACHE / "go" / "build"),
        GOFLAGS="-modcacherw -mod=readonly",
    )


def test_typescript_client(gateway: Gateway) -> None:
    ts = ROOT / "clients" / "ts"
    tsc = ts / "node_modules" / ".bin" / "tsc"
    assert tsc.exists(), f"{tsc} is missing: run `make client-deps`"
    _run([str(tsc), "-p", "."], ts, gateway)
    _run(["node", "--test", "dist/test/"], ts, gateway)
