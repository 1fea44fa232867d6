"""Holds the cached id streams in Redis to Cassandra: a home (or author) timeline cache vouches, through its `:lo`,
for every id at or above it that Cassandra holds, so an id Cassandra holds there and the cache's set lacks is a
cache that would serve a short feed as complete.

    python -m bench.stream_cache_audit                 # every cached home and author timeline
    python -m bench.stream_cache_audit --kill-redis    # a light mixed load, a Redis SIGKILL and restart, then the
                                                       # caches of the load's accounts (needs the stack to itself:
                                                       # the exclusive window of TEAM-RULES.md)

Run it on a settled stack (a post whose fanout is still in flight is in Cassandra a moment before its push).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

import redis.asyncio as aioredis

from services.common import post_tombstones, redis_keys
from services.common.ids import id_time_ms
from services.timeline.adapters.cassandra_store import CassandraTimelineStore
from services.timeline.domain.ids import from_member
from stack.settings import load_settings

# The most of a stream read from Cassandra: more than any cache holds.
_DEPTH = 5_000


@dataclass
class Audit:
    checked: int = 0
    short: dict[str, list[int]] = field(default_factory=dict)  # cache's `:lo` key -> ids Cassandra has above it


async def _owners(client: aioredis.Redis, kind: str) -> list[int]:
    owners = []
    async for key in client.scan_iter(match=f"{redis_keys.TIMELINE_PREFIX}:{{{kind}:*}}:lo", count=1000):
        text = key.decode() if isinstance(key, bytes) else key
        owners.append(int(text.split("{", 1)[1].split("}", 1)[0].split(":", 1)[1]))
    return owners


async def audit(kind: str, owners: Iterable[int] | None = None) -> Audit:
    settings = load_settings()
    client = aioredis.from_url(settings.redis_url)
    store, cluster = await CassandraTimelineStore.open(
        settings.cassandra_hosts, settings.cassandra_port, settings["FEEDMESH_CASSANDRA_KEYSPACE"]
    )
    found = Audit()
    try:
        for owner in list(owners) if owners is not None else await _owners(client, kind):
            keys = redis_keys.id_stream(kind, owner)
            low, members = await client.get(keys.complete_from), await client.zrange(keys.ids, 0, -1)
            if low is None or not members:
                continue  # no cache: nothing vouched for
            found.checked += 1
            least = from_member(low)
            cached = {from_member(cast(bytes, m)) for m in members}
            read = store.read_home if kind == redis_keys.HOME else store.read_authored
            missing = [i for i in await read(owner, None, _DEPTH) if i >= least and i not in cached]
            if missing:  # a deleted post's rows may stay in Cassandra: reads drop it by its tombstone
                deleted = await client.smismember(post_tombstones.KEY, [str(i) for i in missing])
                missing = [i for i, gone in zip(missing, deleted, strict=True) if not gone]
            if missing:
                found.short[keys.complete_from] = missing
    finally:
        await client.aclose()
        await asyncio.to_thread(cluster.shutdown)
    return found


async def _kill_redis_then_audit() -> tuple[Audit, Audit, bool]:
    from bench.chaos_faults import Fault
    from bench.chaos_full import execute

    rates = {"register": 0.1, "follow": 1.0, "post": 4.0, "like": 1.0, "comment": 0.5, "feed": 2.0}
    run = await execute(
        [Fault("kill redis", "kill", "redis")], accounts=8, viewers=8, check_within=45, rates=rates, warm_up=20
    )
    if run.findings is not None:
        print(f"checker: {run.findings.as_dict()}")
    users = [a.user_id for a in run.load.accounts]
    return await audit(redis_keys.HOME, users), await audit(redis_keys.AUTHOR, users), bool(run.findings and run.ok)


def _clock(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%H:%M:%S.%f")[:-3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kill-redis", action="store_true")
    args = parser.parse_args()
    if args.kill_redis:
        homes, authors, ok = asyncio.run(_kill_redis_then_audit())
    else:
        homes, authors, ok = asyncio.run(audit(redis_keys.HOME)), asyncio.run(audit(redis_keys.AUTHOR)), True
    for name, found in (("home", homes), ("author", authors)):
        print(f"{name} caches: {found.checked} checked, {len(found.short)} short")
        for key, ids in list(found.short.items())[:20]:
            when = ", ".join(_clock(id_time_ms(i)) for i in ids[:5])
            print(f"  {key} lacks {len(ids)} ids Cassandra holds above it: {ids[:5]} (created {when})")
    return 0 if ok and not homes.short and not authors.short else 1


if __name__ == "__main__":
    sys.exit(main())
