"""Prints "host port" of the Redis primary the sentinels of FEEDMESH_REDIS_SENTINELS name (exit 1 when none
answers): the cluster topology's Redis nodes start as replicas of it (stack/components/redis.sh, cluster.sh).

    python -m stack.sentinel_primary
"""

from __future__ import annotations

import asyncio
import sys

from services.common.redis_sentinel import SentinelTarget, parse_hosts
from stack.settings import load_settings


def main() -> int:
    s = load_settings()
    sentinels = tuple(e.strip() for e in s.values.get("FEEDMESH_REDIS_SENTINELS", "").split(",") if e.strip())
    if not sentinels:
        return 1
    target = SentinelTarget(tuple(parse_hosts(sentinels)), s["FEEDMESH_REDIS_SENTINEL_MASTER"])
    try:
        host, port = asyncio.run(target.primary(wait_seconds=0.5))
    except ConnectionError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(host, port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
