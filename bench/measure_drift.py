"""Counter drift and flush lag of the engagement service, during a like load and after it ends.

During the load (`DriftWatch`, in the background every `interval` seconds):
- the service's own gauges, `feedmesh_engagement_counter_drift{kind}` (its sweep's sampled |cached - recount|) and
  `feedmesh_engagement_flush_lag_seconds`, scraped from its metrics port;
- the bench's own check of a random sample of the loaded posts: the count BatchGetPostStats serves, then an exact
  recount of the like rows in PostgreSQL, then the served count again. The load only adds likes, and a like is
  committed before it is applied to Redis, so an exact cache gives served-before <= recount (`over` > 0 is a count
  of likes that do not exist), and recount - served-after (`unapplied`) is at most the likes in flight, committed
  and not yet applied (no more than the load's concurrency);
- the age of the oldest counter change not yet flushed into post_counters, read from PostgreSQL (the flush lag the
  gauge reports only at each flush).

After the load (`converge`): seconds from the last answer until, for every post touched, the served count equals
the recount (judged), the durable counter equals it, and the two gauges read 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import asyncpg
import grpc
import redis.asyncio as aioredis
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2, engagement_internal_service_pb2_grpc

from bench.env import scrape
from bench.stats import percentile
from services.common import redis_keys
from services.common.polling import WaitTimeout, wait_for

DRIFT = "feedmesh_engagement_counter_drift"
FLUSH_LAG = "feedmesh_engagement_flush_lag_seconds"
REPAIRS = "feedmesh_engagement_cache_repairs_total"
KINDS = ("likes", "comments", "shares")
CONVERGED = ("served", "durable", "metric_drift", "flush_lag")
_SQL = Path(__file__).resolve().parent / "sql"


@functools.cache
def _sql(name: str) -> str:
    return (_SQL / f"{name}.sql").read_text()


def metric_drift(metrics: Mapping[str, float]) -> dict[str, float]:
    """The drift gauge per kind (NaN when the service does not publish it)."""
    return {kind: metrics.get(f'{DRIFT}{{kind="{kind}"}}', math.nan) for kind in KINDS}


def repairs(metrics: Mapping[str, float]) -> dict[str, float]:
    """feedmesh_engagement_cache_repairs_total by reason."""
    prefix = f'{REPAIRS}{{reason="'
    return {key[len(prefix) : -2]: value for key, value in metrics.items() if key.startswith(prefix)}


@dataclass(frozen=True)
class ServedSample:
    """One post checked during the load: the like count served before and after an exact recount of its rows."""

    post_id: int
    before: int
    recount: int
    after: int
    cached: bool  # its counts were in Redis (else BatchGetPostStats answers from the rows, trivially exact)

    @property
    def over(self) -> int:
        """Likes served that no row backs: 0 for an exact cache."""
        return max(0, self.before - self.recount)

    @property
    def unapplied(self) -> int:
        """Rows the served count did not show yet: at most the likes in flight, if nothing is lost."""
        return max(0, self.recount - self.after)


@dataclass(frozen=True)
class WatchSample:
    at: float  # seconds since the watch started
    metric_drift: dict[str, float]
    flush_lag_metric: float
    pending_age: float  # the oldest unflushed change's age, from PostgreSQL
    served: list[ServedSample]


def during_summary(samples: Sequence[WatchSample], in_flight: int) -> dict[str, Any]:
    """What the samples of one load say: the gauges' maxima, the own check's worst cases, the flush lag."""
    served = [s for sample in samples for s in sample.served]
    drift = [sum(v for v in s.metric_drift.values() if not math.isnan(v)) for s in samples]
    pending = [s.pending_age for s in samples]
    lag = [s.flush_lag_metric for s in samples if not math.isnan(s.flush_lag_metric)]
    return {
        "samples": len(samples),
        "metric_drift_max": max(drift, default=math.nan),
        "metric_drift_max_by_kind": {
            kind: max((s.metric_drift[kind] for s in samples), default=math.nan) for kind in KINDS
        },
        "metric_drift_nonzero_samples": sum(1 for d in drift if d > 0),
        "flush_lag_metric_max_seconds": max(lag, default=math.nan),
        "flush_lag_metric_nonzero_samples": sum(1 for v in lag if v > 0),
        "pending_age_p50_seconds": percentile(pending, 50),
        "pending_age_max_seconds": max(pending, default=math.nan),
        "posts_checked": len(served),
        "posts_checked_from_redis": sum(1 for s in served if s.cached),
        "over_max": max((s.over for s in served), default=0),
        "unapplied_max": max((s.unapplied for s in served), default=0),
        "in_flight_bound": in_flight,
        "unapplied_beyond_in_flight": sum(1 for s in served if s.unapplied > in_flight),
    }


def unconverged(
    served: Mapping[int, int], counts: Mapping[int, tuple[int, int]], metrics: Mapping[str, float]
) -> dict[str, float]:
    """How far from converged each figure is: |served - recount| and |durable - recount| summed over the posts, the
    drift gauge summed over the kinds, and the flush-lag gauge (NaN for a gauge the service does not publish)."""
    return {
        "served": sum(abs(served[p] - recount) for p, (recount, _) in counts.items()),
        "durable": sum(abs(durable - recount) for recount, durable in counts.values()),
        "metric_drift": sum(metric_drift(metrics).values()),
        "flush_lag": metrics.get(FLUSH_LAG, math.nan),
    }


@dataclass
class Probes:
    """The engagement service as the bench checks it: BatchGetPostStats (internal: straight to the service, not
    through the gateway), the rows in PostgreSQL, the cached sets in Redis, its metrics endpoint."""

    stats: engagement_internal_service_pb2_grpc.EngagementInternalServiceStub
    channel: grpc.aio.Channel
    pg: asyncpg.Pool
    redis: aioredis.Redis
    metrics_url: str

    @classmethod
    async def open(cls, target: str, pg_dsn: str, redis: aioredis.Redis, metrics_url: str) -> Self:
        channel = grpc.aio.insecure_channel(target)
        pool = await asyncpg.create_pool(pg_dsn, min_size=1, max_size=2)
        return cls(
            engagement_internal_service_pb2_grpc.EngagementInternalServiceStub(channel),
            channel,
            pool,
            redis,
            metrics_url,
        )

    async def close(self) -> None:
        await self.channel.close()
        await self.pg.close()

    async def served(self, post_ids: Sequence[int]) -> dict[int, int]:
        reply = await self.stats.BatchGetPostStats(
            engagement_internal_service_pb2.BatchGetPostStatsRequest(viewer_id=0, post_ids=list(post_ids)), timeout=10
        )
        return {s.post_id: s.like_count for s in reply.stats}

    async def counts(self, post_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """post id -> (recount of its like rows, its durable counter)."""
        rows = await self.pg.fetch(_sql("like_counts"), list(post_ids))
        return {r["post_id"]: (r["recount"], r["durable"]) for r in rows}

    async def pending_age(self) -> float:
        return float(await self.pg.fetchval(_sql("oldest_pending_change")))

    async def cached(self, post_ids: Sequence[int]) -> dict[int, bool]:
        """Whether each post's like set is in Redis (complete: it holds the sentinel)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for post_id in post_ids:
                pipe.sismember(redis_keys.engagement_likers(post_id), redis_keys.ENGAGEMENT_SENTINEL)
            found = await pipe.execute()
        return {p: bool(f) for p, f in zip(post_ids, found, strict=True)}

    async def metrics(self) -> dict[str, float]:
        return await asyncio.to_thread(scrape, self.metrics_url)

    async def check(self, post_ids: Sequence[int]) -> list[ServedSample]:
        cached = await self.cached(post_ids)
        before = await self.served(post_ids)
        counts = await self.counts(post_ids)
        after = await self.served(post_ids)
        return [ServedSample(p, before[p], counts[p][0], after[p], cached[p]) for p in post_ids]


@dataclass
class DriftWatch:
    """Samples the gauges and the own check every `interval` seconds while a load runs (`running`)."""

    probes: Probes
    post_ids: Sequence[int]
    sample: int = 20
    interval: float = 0.5
    always: Sequence[int] = ()  # checked every time (the storm post)
    samples: list[WatchSample] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    async def _loop(self) -> None:
        rng = random.Random(23)
        started = time.monotonic()
        while True:
            tick = time.monotonic()
            picked = [*self.always, *rng.sample(list(self.post_ids), min(self.sample, len(self.post_ids)))]
            try:
                metrics = await self.probes.metrics()
                served = await self.probes.check(list(dict.fromkeys(picked)))
                pending = await self.probes.pending_age()
            except (grpc.aio.AioRpcError, asyncpg.PostgresError, OSError) as exc:
                self.errors[type(exc).__name__] = self.errors.get(type(exc).__name__, 0) + 1
            else:
                lag = metrics.get(FLUSH_LAG, math.nan)
                self.samples.append(WatchSample(tick - started, metric_drift(metrics), lag, pending, served))
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - tick)))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        task = asyncio.create_task(self._loop(), name="drift-watch")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def summary(self, in_flight: int) -> dict[str, Any]:
        return {**during_summary(self.samples, in_flight), "probe_errors": self.errors}


async def converge(probes: Probes, post_ids: Sequence[int], ended_at: float, within: float = 30.0) -> dict[str, Any]:
    """Seconds from `ended_at` (time.monotonic() at the load's last answer) until each figure of `unconverged` first
    reads 0, polled every 0.1 s for up to `within` seconds (NaN: not within that time), with the last values seen."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}

    async def probe() -> dict[str, float]:
        served = await probes.served(post_ids)
        counts = await probes.counts(post_ids)
        state = unconverged(served, counts, await probes.metrics())
        now = time.monotonic() - ended_at
        for name, value in state.items():
            if value == 0:
                first.setdefault(name, round(now, 3))
        last.update(state)
        return first

    with contextlib.suppress(WaitTimeout):
        await wait_for(probe, lambda done: len(done) == len(CONVERGED), what="converged counters", within=within)
    cached = await probes.cached(post_ids)
    return {
        "posts": len(post_ids),
        "posts_cached_at_end": sum(cached.values()),
        "seconds_to_zero": {name: first.get(name, math.nan) for name in CONVERGED},
        "last_seen": last,
    }
