"""Publish-to-visible freshness of normal authors under load.

For `seconds`, authors publish concurrently, open loop at fixed rates: random socfb users (up to 313 followers;
`reed_rate` posts/s in all), the 1k-follower author (every `every_1k` s) and the 10k-follower author (every
`every_10k` s); run.py sets the rates with `scaled_load` to a fraction of the mix's measured capacity
(bench.measure_capacity).

Every post is measured: for `samples` random followers, freshness is the time from the moment CreatePost
returned to the moment the post is visible to the follower: its id is in the follower's Redis home timeline (the
sorted set GetFeed reads for a materialized reader), or the post is in flight (the timeline's registry of posts
whose fanout tasks are still pushing them, which every GetFeed merges for the author's followers). All pending
samples are polled every `poll` s in one pipeline, and each is followed on until the post is in the home timeline:
that is the second figure, `pushed`. For one more follower of one post in `getfeed_every[class]` it is the moment
GetFeed (timeline gRPC, chronological, 20 items) first returns the post (polled every `getfeed_poll` s): the
client-visible check of the Redis figures.

Where the time goes, server side, from the services' own histograms over the run (bucket upper bounds, so "at
most"): from the post's commit to Kafka (the post service's outbox relay), and from the post's creation to the
push into the followers' home timelines (the timeline's fanout, inline or through a task).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from feedmesh.post.v1 import post_service_pb2_grpc
from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc

from bench.env import TIMELINE_PREFIX, Bench, as_user, member
from bench.measure_fanout import create_post
from bench.stats import histogram_delta, summarize
from services.common import redis_keys


@dataclass
class FreshnessSettings:
    seconds: float = 40.0
    reed_rate: float = 8.0
    every_1k: float = 2.0
    every_10k: float = 5.0
    # Followers sampled per post, and the cross-check through GetFeed: light enough not to be the load itself (one
    # GetFeed every 25 ms for every other post was about 1,000 reads/s at 100 posts/s, more than the timeline serves).
    samples: int = 3
    poll: float = 0.01
    # The GetFeed cross-check: one post in this many per class (the 10k author posts a few times a run).
    getfeed_every: dict[str, int] = field(default_factory=lambda: {"socfb": 20, "1k": 4, "10k": 1})
    getfeed_poll: float = 0.02
    timeout: float = 30.0
    offered_deliveries_per_second: float = 0.0


SHARES = {"socfb": 0.4, "1k": 0.3, "10k": 0.3}


def scaled_load(
    base: FreshnessSettings,
    *,
    capacity: float,
    load: float,
    mean_socfb_followers: float,
    shares: dict[str, float] = SHARES,
) -> FreshnessSettings:
    """Publishing rates that offer `load` x `capacity` deliveries/s (capacity: what the stack sustains for this mix,
    bench.measure_capacity), split over the author classes by `shares`: a load the fanout can keep up with, so
    freshness measures delivery, not a queue that grows for the whole window. A class with no share never posts
    (its interval is infinite)."""
    offered = capacity * load

    def every(audience: int, cls: str) -> float:
        return audience / (shares[cls] * offered) if shares[cls] > 0 else math.inf

    return FreshnessSettings(
        **{
            **base.__dict__,
            "reed_rate": shares["socfb"] * offered / mean_socfb_followers,
            "every_1k": every(1_000, "1k"),
            "every_10k": every(10_000, "10k"),
            "offered_deliveries_per_second": offered,
        }
    )


@dataclass
class _Pending:
    follower: int
    author: int
    post: int
    cls: str
    since: float
    visible: bool = False


@dataclass
class _Results:
    visible: dict[str, list[float]] = field(default_factory=dict)
    redis: dict[str, list[float]] = field(default_factory=dict)
    getfeed: dict[str, list[float]] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=dict)
    publish_latency: list[float] = field(default_factory=list)


class FreshnessRun:
    def __init__(self, bench: Bench, settings: FreshnessSettings, seed: int = 7):
        self.bench = bench
        self.s = settings
        self.rng = random.Random(seed)
        self.posts = post_service_pb2_grpc.PostServiceStub(bench.channel(bench.addr.post))
        self.timeline = timeline_service_pb2_grpc.TimelineServiceStub(bench.channel(bench.addr.timeline))
        self.pending: list[_Pending] = []
        self.results = _Results()
        self.tasks: set[asyncio.Task[None]] = set()
        self.publishing = True

    async def publish(self, author: int, followers: Sequence[int], cls: str) -> None:
        begin = time.perf_counter()
        try:
            post_id = await create_post(self.posts, author, f"bench freshness {cls} {self.rng.random():.6f}")
        except grpc.aio.AioRpcError as exc:
            key = f"create_post_error:{exc.code().name}"
            self.results.missed[key] = self.results.missed.get(key, 0) + 1
            return
        returned = time.perf_counter()
        self.results.publish_latency.append(returned - begin)
        self.results.posts[cls] = self.results.posts.get(cls, 0) + 1
        picked = self.rng.sample(list(followers), min(len(followers), self.s.samples + 1))
        for f in picked[: self.s.samples]:
            self.pending.append(_Pending(f, author, post_id, cls, returned))
        if len(picked) > self.s.samples and self.results.posts[cls] % self.s.getfeed_every.get(cls, 20) == 0:
            task = asyncio.create_task(self._via_getfeed(picked[-1], post_id, cls, returned))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _via_getfeed(self, follower: int, post_id: int, cls: str, since: float) -> None:
        request = timeline_service_pb2.GetFeedRequest(limit=20, mode="chronological")
        while time.perf_counter() - since < self.s.timeout:
            try:
                reply = await self.timeline.GetFeed(request, metadata=as_user(follower), timeout=10)
            except grpc.aio.AioRpcError as exc:
                key = f"getfeed_error:{exc.code().name}"
                self.results.missed[key] = self.results.missed.get(key, 0) + 1
                await asyncio.sleep(self.s.getfeed_poll)
                continue
            if any(item.post.id == post_id for item in reply.items):
                self.results.getfeed.setdefault(cls, []).append(time.perf_counter() - since)
                return
            await asyncio.sleep(self.s.getfeed_poll)
        self.results.missed[f"getfeed:{cls}"] = self.results.missed.get(f"getfeed:{cls}", 0) + 1

    async def poller(self) -> None:
        while self.publishing or self.pending:
            await asyncio.sleep(self.s.poll)
            if not self.pending:
                continue
            batch, self.pending = self.pending, []
            async with self.bench.redis.pipeline(transaction=False) as pipe:
                for p in batch:
                    pipe.zscore(redis_keys.home_timeline(p.follower, TIMELINE_PREFIX).ids, member(p.post))
                    pipe.zscore(redis_keys.posts_in_flight(TIMELINE_PREFIX), f"{p.author}:{p.post}")
                found = await pipe.execute()
            now = time.perf_counter()
            for p, pushed, in_flight in zip(batch, found[0::2], found[1::2], strict=True):
                if not p.visible and (pushed is not None or in_flight is not None):
                    p.visible = True
                    self.results.visible.setdefault(p.cls, []).append(now - p.since)
                if pushed is not None:
                    self.results.redis.setdefault(p.cls, []).append(now - p.since)
                elif now - p.since > self.s.timeout:
                    self.results.missed[p.cls] = self.results.missed.get(p.cls, 0) + 1
                else:
                    self.pending.append(p)

    async def ticker(self, every: float, author: int, followers: Sequence[int], cls: str, stop_at: float) -> None:
        """Open loop: one post every `every` s, whatever the latency of the previous one; the first at a random
        moment of the first half of the window (so each class posts at least once). Never with `every` infinite."""
        if math.isinf(every):
            return
        await asyncio.sleep(self.rng.uniform(0, min(every, self.s.seconds / 2)))
        while time.perf_counter() < stop_at:
            task = asyncio.create_task(self.publish(author, followers, cls))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            await asyncio.sleep(every)

    async def reed_ticker(self, reed: dict[int, list[int]], stop_at: float) -> None:
        authors = [a for a, fs in reed.items() if fs]
        while time.perf_counter() < stop_at:
            author = self.rng.choice(authors)
            task = asyncio.create_task(self.publish(author, reed[author], "socfb"))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            await asyncio.sleep(self.rng.expovariate(self.s.reed_rate))


async def freshness(
    bench: Bench,
    settings: FreshnessSettings,
    *,
    reed_followers: dict[int, list[int]],
    author_1k: tuple[int, Sequence[int]],
    author_10k: tuple[int, Sequence[int]],
    until: asyncio.Event | None = None,
    samples: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """Publishes for `settings.seconds`, or, given `until`, until it is set; then waits for every sample. Given
    `samples`, puts every sample (seconds) there too, by figure: visible, pushed (for bench.plots)."""
    run = FreshnessRun(bench, settings)
    before = {**await bench.post_metrics(), **await bench.timeline_metrics()}
    stop_at = time.perf_counter() + settings.seconds if until is None else math.inf
    poller = asyncio.create_task(run.poller())
    publishers = [
        asyncio.create_task(run.reed_ticker(reed_followers, stop_at)),
        asyncio.create_task(run.ticker(settings.every_1k, author_1k[0], author_1k[1], "1k", stop_at)),
        asyncio.create_task(run.ticker(settings.every_10k, author_10k[0], author_10k[1], "10k", stop_at)),
    ]
    if until is not None:
        await until.wait()
        for publisher in publishers:
            publisher.cancel()
    await asyncio.wait(publishers)
    for publisher in publishers:
        if not publisher.cancelled() and (failed := publisher.exception()) is not None:
            raise failed
    while run.tasks:
        await asyncio.gather(*list(run.tasks))
    run.publishing = False
    await poller
    after = {**await bench.post_metrics(), **await bench.timeline_metrics()}
    r = run.results
    if samples is not None:
        samples["visible"] = [x for xs in r.visible.values() for x in xs]
        samples["pushed"] = [x for xs in r.redis.values() for x in xs]
    return {
        "settings": settings.__dict__,
        "posts": r.posts,
        "visible_all": summarize([x for xs in r.visible.values() for x in xs]).as_dict(),
        "visible_by_author": {cls: summarize(xs).as_dict() for cls, xs in sorted(r.visible.items())},
        "redis_all": summarize([x for xs in r.redis.values() for x in xs]).as_dict(),
        "redis_by_author": {cls: summarize(xs).as_dict() for cls, xs in sorted(r.redis.items())},
        "getfeed_all": summarize([x for xs in r.getfeed.values() for x in xs]).as_dict(),
        "getfeed_by_author": {cls: summarize(xs).as_dict() for cls, xs in sorted(r.getfeed.items())},
        "missed": r.missed,
        "create_post_latency": summarize(r.publish_latency).as_dict(),
        "stages": stages(before, after),
    }


# The server-side stages: histogram (bucket series name) and the label that selects the series.
STAGES = {
    "commit_to_kafka": ("feedmesh_outbox_lag_seconds_bucket", 'producer="post"'),
    "publish_to_pushed": ("feedmesh_timeline_freshness_seconds_bucket", 'path="push"'),
}


def stages(before: dict[str, float], after: dict[str, float]) -> dict[str, dict[str, float]]:
    """p50 / p99 (ms, bucket upper bounds) and count of each stage's observations between two scrapes."""
    return {stage: histogram_delta(before, after, series, selector) for stage, (series, selector) in STAGES.items()}
