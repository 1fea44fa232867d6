"""A service as the stack runs it: `python -m services.<svc>` in its own process, stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.polling import wait_until_sync
from stack.settings import ROOT, StackSettings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serving(address: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def test_sigterm_drains_and_exits_cleanly(stack_settings: StackSettings, tmp_path) -> None:
    address = f"127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        **stack_settings.values,
        "PYTHONPATH": f"{ROOT / 'gen'}:{ROOT}",
        "FEEDMESH_LISTEN_ADDRESS": address,
        "FEEDMESH_METRICS_PORT": "0",
        "FEEDMESH_AUTH_KEY_DIR": str(tmp_path / "keys"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.auth"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:

        def serving() -> bool:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            return _serving(address)

        wait_until_sync(serving, what="auth reporting SERVING", within=30, interval=0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    lines = [json.loads(line) for line in process.stdout.read().decode().splitlines() if line.startswith("{")]  # type: ignore[union-attr]
    messages = [line["msg"] for line in lines]
    assert "shutting down" in messages and messages[-1] == "stopped"
    assert all(line["service"] == "auth" for line in lines)


def test_missing_setting_is_named_and_refused(stack_settings: StackSettings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDMESH_")}
    env |= {"PYTHONPATH": f"{ROOT / 'gen'}:{ROOT}", "FEEDMESH_PG_DSN": "", "FEEDMESH_LISTEN_ADDRESS": "nowhere"}
    result = subprocess.run([sys.executable, "-m", "services.auth"], env=env, cwd=ROOT, capture_output=True, timeout=60)
    assert result.returncode == 2
    assert b"FEEDMESH_" in result.stderr
