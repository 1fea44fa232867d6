"""What one post costs to deliver: writes performed for one post of the 1k-follower author (pushed) against one
of the 100k-follower celebrity (pulled at read time), as deltas of the stores' own counters around the post:
Redis `INFO commandstats` (commands run inside the timeline's Lua scripts included) and Cassandra's per-table
write counts (system_views.local_write_latency: one mutation per partition written), plus the timeline's fanout
counters. The stack is otherwise idle, so the deltas are the post's (other clients of the same stack would add
noise: the figures are sums, so any noise only inflates them). Noise does happen (a cache of the author's timeline
being built by a reader's pull in the same window once added 26 Redis writes to a celebrity post), so each author
posts `tries` times, one post at a time, and the cheapest post is reported, with every try's total."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from feedmesh.post.v1 import post_service_pb2_grpc

from bench.env import TIMELINE_PREFIX, Bench, delta, member
from bench.measure_fanout import create_post
from services.common import redis_keys

REDIS_WRITES = (
    "zadd",
    "zrem",
    "zremrangebyrank",
    "set",
    "sadd",
    "hset",
    "del",
    "incr",
    "expire",
    "pexpire",
    "rename",
)


async def _until(check: Any, limit_seconds: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit_seconds:
        if await check():
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise TimeoutError("the post was not delivered in time")


async def post_cost(
    bench: Bench, author: int, followers: Sequence[int], *, pushed: bool, label: str, tries: int = 3
) -> dict[str, Any]:
    runs = [await _one_post(bench, author, followers, pushed=pushed, label=label) for _ in range(tries)]
    cheapest = min(runs, key=lambda r: r["writes_total"])
    return {**cheapest, "tries": tries, "writes_total_per_try": [r["writes_total"] for r in runs]}


async def _one_post(bench: Bench, author: int, followers: Sequence[int], *, pushed: bool, label: str) -> dict[str, Any]:
    stub = post_service_pb2_grpc.PostServiceStub(bench.channel(bench.addr.post))
    await asyncio.sleep(2)  # let earlier work drain
    redis_before = await bench.redis_commandstats()
    cass_before = await bench.cassandra_writes()
    tl_before = await bench.timeline_metrics()
    post_id = await create_post(stub, author, f"bench cost {label}")

    authored = redis_keys.author_timeline(author, TIMELINE_PREFIX).ids

    async def delivered() -> bool:
        if pushed:
            return not await bench.missing_in_homes([(f, post_id) for f in followers])
        return await bench.redis.zscore(authored, member(post_id)) is not None or (
            (await bench.cassandra_writes()).get("user_timeline", 0) > cass_before.get("user_timeline", 0)
        )

    seconds = await _until(delivered, 120)
    await asyncio.sleep(1.5)  # stragglers (bucket indexes, trims)
    redis_d = delta(await bench.redis_commandstats(), redis_before)
    cass_d = delta(await bench.cassandra_writes(), cass_before)
    tl_d = delta(await bench.timeline_metrics(), tl_before, "feedmesh_timeline_")
    redis_writes = {k: int(v) for k, v in redis_d.items() if k in REDIS_WRITES}
    return {
        "author": label,
        "followers": len(followers),
        "delivered_seconds": round(seconds, 3),
        "redis_writes": sum(redis_writes.values()),
        "redis_write_commands": redis_writes,
        "redis_zadd": redis_writes.get("zadd", 0),
        "redis_script_calls": int(redis_d.get("evalsha", 0) + redis_d.get("eval", 0)),
        "redis_commands_total": int(sum(redis_d.values())),
        "cassandra_writes": int(sum(cass_d.values())),
        "cassandra_writes_by_table": {k: int(v) for k, v in cass_d.items()},
        "writes_total": sum(redis_writes.values()) + int(sum(cass_d.values())),
        "fanout_tasks": int(tl_d.get('feedmesh_timeline_fanout_tasks_total{stage="enqueued"}', 0)),
        "timeline_deliveries": int(tl_d.get('feedmesh_timeline_fanout_deliveries_total{store="redis"}', 0)),
        "celebrity_skips": int(tl_d.get('feedmesh_timeline_fanout_tasks_total{stage="celebrity_skipped"}', 0)),
    }
