"""Fanout throughput: a burst of posts by one synthetic author (1k or 10k followers, all active readers with a
home-timeline cache), timed from the first CreatePost until

- Redis: the timeline's hot fanout group has counted one delivery per (follower, post)
  (`feedmesh_timeline_fanout_deliveries_total{store="redis"}`, incremented after the push returns, polled every
  `poll` seconds), and then every follower's Redis home timeline is checked to hold every post of the burst
  (ZMSCORE; polling the stores themselves cost Redis a fifth of its time and slowed what it measured);
- Cassandra: the timeline's durable fanout group has counted one acknowledged `home_timeline` row per (follower,
  post) (`feedmesh_timeline_fanout_deliveries_total{store="cassandra"}`, incremented after the write returns,
  polled every `poll` seconds); then the rows of a random sample of followers are read back from Cassandra to
  check the counter (Cassandra's own write counter counts partitions, and one batch writes several posts of a
  follower in one partition mutation, so it cannot count deliveries).

The timeline's two fanout groups write Redis (the hot group) and Cassandra (the durable group) independently, each
at its own pace, and its prometheus counter `feedmesh_timeline_fanout_deliveries_total{store}` counts each store's
writes."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from typing import Any

from cassandra.query import ValueSequence
from feedmesh.post.v1 import post_service_pb2, post_service_pb2_grpc

from bench.env import TIMELINE_PREFIX, Bench, as_user, delta, member
from bench.stats import rate
from bench.warm import ready_flags
from services.common import redis_keys
from services.timeline.domain.buckets import home_bucket


async def create_post(stub: post_service_pb2_grpc.PostServiceStub, author: int, text: str) -> int:
    post = await stub.CreatePost(post_service_pb2.CreatePostRequest(text=text), metadata=as_user(author), timeout=30)
    return int(post.id)


REDIS_COUNTER = 'feedmesh_timeline_fanout_deliveries_total{store="redis"}'


async def _missing_in_redis(bench: Bench, followers: Sequence[int], posts: Sequence[int]) -> list[int]:
    members = [member(p) for p in posts]
    async with bench.redis.pipeline(transaction=False) as pipe:
        for f in followers:
            pipe.zmscore(redis_keys.home_timeline(f, TIMELINE_PREFIX).ids, members)
        scores = await pipe.execute()
    return [f for f, s in zip(followers, scores, strict=True) if s is None or any(x is None for x in s)]


async def _redis_done(
    bench: Bench, base: float, expected: int, followers: Sequence[int], posts: Sequence[int], t0: float, poll: float
) -> float:
    while True:
        if (await bench.timeline_metrics()).get(REDIS_COUNTER, 0) - base >= expected:
            break
        await asyncio.sleep(poll)
    done = time.perf_counter() - t0
    remaining = list(followers)
    while remaining := await _missing_in_redis(bench, remaining, posts):  # the counter must not run ahead
        await asyncio.sleep(poll)
        done = time.perf_counter() - t0
    return done


CASSANDRA_COUNTER = 'feedmesh_timeline_fanout_deliveries_total{store="cassandra"}'


async def _cassandra_done(bench: Bench, base: float, expected: int, t0: float, poll: float) -> tuple[float, int]:
    while True:
        written = int((await bench.timeline_metrics()).get(CASSANDRA_COUNTER, 0) - base)
        if written >= expected:
            return time.perf_counter() - t0, written
        await asyncio.sleep(poll)


async def _cassandra_sample_missing(bench: Bench, followers: Sequence[int], posts: Sequence[int], n: int) -> int:
    """(follower, post) pairs of a random sample of `n` followers that are not in Cassandra's home_timeline."""
    sample = random.Random(5).sample(list(followers), min(n, len(followers)))
    want = set(posts)
    missing = 0
    by_bucket: dict[int, list[int]] = {}
    for post_id in posts:
        by_bucket.setdefault(home_bucket(post_id), []).append(post_id)
    for follower in sample:
        found: set[int] = set()
        for bucket, ids in by_bucket.items():
            rows = await asyncio.to_thread(
                bench.cassandra.execute,
                f"SELECT post_id FROM {bench.addr.cassandra_keyspace}.home_timeline"
                " WHERE user_id = %s AND bucket = %s AND post_id IN %s",
                (follower, bucket, ValueSequence(ids)),
            )
            found.update(r.post_id for r in rows)
        missing += len(want - found)
    return missing


async def burst(
    bench: Bench, author: int, followers: Sequence[int], posts: int, *, label: str, poll: float = 0.05
) -> dict[str, Any]:
    stub = post_service_pb2_grpc.PostServiceStub(bench.channel(bench.addr.post))
    flags = await ready_flags(bench, followers)
    ready = [f for f, ok in zip(followers, flags, strict=True) if ok]
    before = await bench.timeline_metrics()
    base_redis, base_cass = before.get(REDIS_COUNTER, 0), before.get(CASSANDRA_COUNTER, 0)
    t0 = time.perf_counter()
    ids = await asyncio.gather(*(create_post(stub, author, f"bench fanout burst {label} #{i}") for i in range(posts)))
    published = time.perf_counter() - t0
    expected = len(ready) * posts
    redis_s, (cass_s, cass_written) = await asyncio.wait_for(
        asyncio.gather(
            _redis_done(bench, base_redis, expected, ready, ids, t0, poll),
            _cassandra_done(bench, base_cass, expected, t0, poll),
        ),
        timeout=300,
    )
    sample_missing = await _cassandra_sample_missing(bench, ready, ids, 200)
    await asyncio.sleep(0.5)
    counters = delta(await bench.timeline_metrics(), before, "feedmesh_timeline_fanout")
    return {
        "author": label,
        "followers": len(followers),
        "followers_ready": len(ready),
        "posts": posts,
        "deliveries": expected,
        "publish_seconds": round(published, 3),
        "redis_seconds": round(redis_s, 3),
        "redis_per_second": round(rate(expected, redis_s), 1),
        "cassandra_seconds": round(cass_s, 3),
        "cassandra_per_second": round(rate(expected, cass_s), 1),
        "cassandra_rows_counted": cass_written,
        "cassandra_sample_followers": min(200, len(ready)),
        "cassandra_sample_missing_pairs": sample_missing,
        "poll_seconds": poll,
        "timeline_counters": {k: v for k, v in counters.items() if k.endswith("_total") or "_total{" in k},
    }
