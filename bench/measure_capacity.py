"""The sustainable publishing rate of the freshness mix: the load freshness is judged at is a fraction of it.

Posts of the freshness mix (bench.measure_freshness.SHARES: socfb users, the 1k author, the 10k author, in the same
proportions of deliveries) are published as fast as `concurrency` clients can, for `seconds`; the rate is the
deliveries of those posts divided by the time from the first CreatePost until both fanout groups have counted them
all (the hot one into Redis and the durable one into Cassandra: a load the durable path cannot keep up with grows a
backlog without end, whatever Redis shows). Publishing faster than the pipeline delivers only queues the rest in
Kafka, so this is the end-to-end throughput for the mix, the whole stack sharing the machine.

Why not the rate of one author's burst: most posts of the mix go to a few dozen followers each, and a post's fixed
costs (the post service, the event, listing the followers, the author's own timelines) dominate there; a burst of a
1k or 10k author measures the per-follower cost only, and a load derived from it is not a fraction of anything the
mix can sustain."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from feedmesh.post.v1 import post_service_pb2_grpc

from bench.env import Bench
from bench.measure_fanout import CASSANDRA_COUNTER, REDIS_COUNTER, create_post
from bench.measure_freshness import SHARES
from bench.stats import rate
from bench.warm import ready_flags


@dataclass(frozen=True)
class MixPost:
    cls: str
    author: int
    deliveries: int  # the author's followers that are active readers with a cache: what the fanout counts


def mix_weights(mean_socfb_followers: float) -> dict[str, float]:
    """Posts per class for one delivery of the mix: SHARES is in deliveries, a class's post carries its audience."""
    return {
        "socfb": SHARES["socfb"] / mean_socfb_followers,
        "1k": SHARES["1k"] / 1_000,
        "10k": SHARES["10k"] / 10_000,
    }


def mix_classes(weights: dict[str, float]) -> Iterator[str]:
    """Post classes in the mix's proportions, spread evenly and without end (deterministic: each step takes the
    class furthest behind its share), so even a short run has its few 10k posts early and spaced."""
    total = sum(weights.values())
    share = {c: w / total for c, w in weights.items()}
    taken = dict.fromkeys(weights, 0)
    for i in itertools.count(1):
        cls = max(share, key=lambda c: share[c] * i - taken[c])
        taken[cls] += 1
        yield cls


async def _counted(bench: Bench, name: str, base: float, expected: int, t0: float, poll: float) -> float:
    while True:
        if (await bench.timeline_metrics()).get(name, 0) - base >= expected:
            return time.perf_counter() - t0
        await asyncio.sleep(poll)


async def mix_capacity(
    bench: Bench,
    *,
    reed_followers: dict[int, list[int]],
    author_1k: tuple[int, Sequence[int]],
    author_10k: tuple[int, Sequence[int]],
    seconds: float = 15.0,
    concurrency: int = 16,
    poll: float = 0.05,
) -> dict[str, Any]:
    readers = sorted({f for fs in reed_followers.values() for f in fs} | set(author_10k[1]) | set(author_1k[1]))
    ready = {r for r, ok in zip(readers, await ready_flags(bench, readers), strict=True) if ok}
    socfb = sorted(a for a, fs in reed_followers.items() if fs)
    mean_socfb = sum(len(reed_followers[a]) for a in socfb) / len(socfb)
    classes = mix_classes(mix_weights(mean_socfb))

    def post_of(n: int) -> MixPost:
        cls = next(classes)
        if cls == "socfb":
            author = socfb[(n * 7919) % len(socfb)]  # a fixed stride through the authors: spread, reproducible
            followers: Sequence[int] = reed_followers[author]
        else:
            author, followers = author_1k if cls == "1k" else author_10k
        return MixPost(cls, author, sum(1 for f in followers if f in ready))

    stub = post_service_pb2_grpc.PostServiceStub(bench.channel(bench.addr.post))
    published: list[MixPost] = []
    errors: dict[str, int] = {}
    counter = 0
    before = await bench.timeline_metrics()
    t0 = time.perf_counter()
    stop_at = t0 + seconds

    async def client() -> None:
        nonlocal counter
        while time.perf_counter() < stop_at:
            post = post_of(counter)
            counter += 1
            try:
                await create_post(stub, post.author, f"bench capacity {post.cls} #{counter}")
            except grpc.aio.AioRpcError as exc:
                errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
                continue
            published.append(post)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    publish_seconds = time.perf_counter() - t0
    expected = sum(p.deliveries for p in published)
    redis_s, cassandra_s = await asyncio.wait_for(
        asyncio.gather(
            _counted(bench, REDIS_COUNTER, before.get(REDIS_COUNTER, 0), expected, t0, poll),
            _counted(bench, CASSANDRA_COUNTER, before.get(CASSANDRA_COUNTER, 0), expected, t0, poll),
        ),
        timeout=600,
    )
    delivered_s = max(redis_s, cassandra_s)
    by_class = {c: sum(1 for p in published if p.cls == c) for c in SHARES}
    return {
        "seconds": seconds,
        "concurrency": concurrency,
        "posts": len(published),
        "posts_by_author": by_class,
        "create_post_errors": errors,
        "deliveries": expected,
        "publish_seconds": round(publish_seconds, 3),
        "redis_seconds": round(redis_s, 3),
        "cassandra_seconds": round(cassandra_s, 3),
        "posts_per_second": round(rate(len(published), delivered_s), 1),
        "deliveries_per_second": round(rate(expected, delivered_s), 1),
        "redis_only_deliveries_per_second": round(rate(expected, redis_s), 1),
        "mean_socfb_followers": round(mean_socfb, 1),
    }
