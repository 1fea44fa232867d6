"""Prints "host port" of the Redis primary the sentinels of FEEDMESH_REDIS_SENTINELS name (exit 1 when none
answers): the cluster topology's Redis nodes start as replicas of it (stack/components/redis.sh, cluster.sh).
With `--ready SECONDS`, it first waits up to that long for the primary to answer commands (a restarted primary
refuses them with LOADING while it reads its append-only file): the rate limit service panics on its first
connection otherwise (stack/components/ratelimit.sh).

    python -m stack.sentinel_primary [--ready SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from urllib.parse import urlparse

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.common.redis_sentinel import SentinelTarget, parse_hosts
from stack.settings import load_settings


async def _answers(host: str, port: int, password: str | None) -> bool:
    client = Redis(host=host, port=port, password=password, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except (OSError, RedisError):  # down, or LOADING its data
        return False
    finally:
        await client.aclose()


async def _primary(target: SentinelTarget, password: str | None, ready_seconds: float) -> tuple[str, int]:
    deadline = time.monotonic() + ready_seconds
    while True:
        try:
            host, port = await target.primary(wait_seconds=0.5)
            if ready_seconds <= 0 or await _answers(host, port, password):
                return host, port
        except ConnectionError:
            if time.monotonic() >= deadline:
                raise
        if time.monotonic() >= deadline:
            raise ConnectionError(f"the primary did not answer within {ready_seconds:.0f} s")
        await asyncio.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.sentinel_primary")
    parser.add_argument("--ready", type=float, default=0.0, help="wait up to this long for the primary to answer")
    args = parser.parse_args(argv)
    s = load_settings()
    sentinels = tuple(e.strip() for e in s.values.get("FEEDMESH_REDIS_SENTINELS", "").split(",") if e.strip())
    if not sentinels:
        return 1
    target = SentinelTarget(tuple(parse_hosts(sentinels)), s["FEEDMESH_REDIS_SENTINEL_MASTER"])
    password = urlparse(s["FEEDMESH_REDIS_URL"]).password
    try:
        host, port = asyncio.run(_primary(target, password, args.ready))
    except ConnectionError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(host, port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
