"""The baselines the figures are judged against, measured in the same run on this machine:

- raw Redis ZADD and ZREVRANGE throughput with redis-benchmark (50 clients, pipeline 16, on a scratch database
  of the stack's Redis, emptied afterwards);
- a trivial grpc.aio unary call: the health Check of a throwaway server in its own process, driven by the same
  closed-loop client (same concurrency, channels, process count) as the feed reads.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import redis
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import ROOT
from bench.loadgen import LoadResult, channels, closed_loop
from bench.stats import median_of, parse_redis_benchmark_csv

SCRATCH_DB = 15  # the services use database 0
ZREV_KEY = "bench:zrevrange"
ZREV_MEMBERS = 800  # a full home timeline (FEEDMESH_HOME_TIMELINE_MAX)


@dataclass(frozen=True)
class RedisBaseline:
    zadd_per_second: float
    zrevrange_per_second: float
    command: str
    # Every round's rates when the figure above is the median of several (redis_benchmark_rounds).
    zadd_rounds: tuple[float, ...] = ()
    zrevrange_rounds: tuple[float, ...] = ()


def redis_benchmark_rounds(host: str, port: int, rounds: int) -> RedisBaseline:
    """redis-benchmark `rounds` times; each rate is the median of its rounds (this machine's speed drifts by a
    factor of almost two between runs minutes apart)."""
    runs = [redis_benchmark(host, port) for _ in range(rounds)]
    return RedisBaseline(
        zadd_per_second=median_of(runs, key=lambda r: r.zadd_per_second).zadd_per_second,
        zrevrange_per_second=median_of(runs, key=lambda r: r.zrevrange_per_second).zrevrange_per_second,
        command=runs[0].command,
        zadd_rounds=tuple(r.zadd_per_second for r in runs),
        zrevrange_rounds=tuple(r.zrevrange_per_second for r in runs),
    )


def redis_benchmark(host: str, port: int, requests: int = 200_000, pipeline: int = 16) -> RedisBaseline:
    if shutil.which("redis-benchmark") is None:
        raise RuntimeError("redis-benchmark is not installed (apt package redis-tools)")
    base = [
        "redis-benchmark",
        "-h",
        host,
        "-p",
        str(port),
        "--dbnum",
        str(SCRATCH_DB),
        "-n",
        str(requests),
        "-P",
        str(pipeline),
        "-c",
        "50",
        "--csv",
    ]
    client = redis.Redis(host=host, port=port, db=SCRATCH_DB)
    try:
        client.flushdb()
        # -r: random members (and keys) over a 100k key space, so ZADD really inserts
        zadd = subprocess.run([*base, "-r", "100000", "-t", "zadd"], capture_output=True, text=True, check=True)
        client.zadd(ZREV_KEY, {f"{i:019d}": 0 for i in range(ZREV_MEMBERS)})
        zrev = subprocess.run([*base, "ZREVRANGE", ZREV_KEY, "0", "19"], capture_output=True, text=True, check=True)
    finally:
        client.flushdb()
        client.close()
    zadd_rps = parse_redis_benchmark_csv(zadd.stdout)
    zrev_rps = parse_redis_benchmark_csv(zrev.stdout)
    return RedisBaseline(
        zadd_per_second=next(iter(zadd_rps.values())),
        zrevrange_per_second=next(iter(zrev_rps.values())),
        command=" ".join([*base, "-r 100000 -t zadd | ZREVRANGE", ZREV_KEY, "0 19"]),
    )


async def trivial_grpc(*, concurrency: int, seconds: float, n_channels: int) -> tuple[LoadResult, dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.trivial_server", cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        port = int((await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip())
        chans = channels(f"127.0.0.1:{port}", n_channels)
        stubs = [health_pb2_grpc.HealthStub(c) for c in chans]
        request = health_pb2.HealthCheckRequest()

        async def call(n: int) -> object:
            return await stubs[n % len(stubs)].Check(request, timeout=10)

        result = await closed_loop(call, concurrency=concurrency, seconds=seconds)
        for c in chans:
            await c.close()
    finally:
        proc.terminate()
        await proc.wait()
    return result, {"server": "grpc.aio health Check, own process", "port": port}
