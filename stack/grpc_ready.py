"""Waits until gRPC services report SERVING on the standard health service; on timeout, names the service and
prints the tail of its log.

    python -m stack.grpc_ready auth=127.0.0.1:50051 graph=127.0.0.1:50052 [--timeout 60]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stack.settings import LOGS_DIR


async def _serving(address: str) -> bool:
    async with grpc.aio.insecure_channel(address) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.aio.AioRpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


async def _wait(name: str, address: str, deadline: float) -> str | None:
    started = time.monotonic()
    while time.monotonic() < deadline:
        if await _serving(address):
            print(f"  {name:<15} SERVING on {address} after {time.monotonic() - started:.1f}s", flush=True)
            return None
        await asyncio.sleep(0.2)
    log = LOGS_DIR / f"svc-{name}.log"
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else "(no log)"
    return f"{name} did not report SERVING on {address}; last lines of {log}:\n{tail}"


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("targets", nargs="+", help="NAME=HOST:PORT")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    pairs = [t.split("=", 1) for t in args.targets]
    failures = [f for f in await asyncio.gather(*(_wait(n, a, deadline) for n, a in pairs)) if f]
    for failure in failures:
        print(f"feedmesh stack: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
