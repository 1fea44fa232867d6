"""Readers must be *active* (read within the inactivity period) and have a Redis home timeline for fanout to push
into them: a follower that never read gets nothing pushed (its first read rebuilds it). The benchmark makes its
readers active the way a user does: one GetFeed each (only for readers that are not yet), then waits until the
timeline service has built their home-timeline caches (it does that in the background after the read)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import grpc
from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc

from bench.env import TIMELINE_PREFIX, Bench, as_user
from services.common import redis_keys


async def ready_flags(bench: Bench, readers: Sequence[int]) -> list[bool]:
    """True for readers that are active and have a home-timeline cache."""
    flags: list[bool] = []
    for start in range(0, len(readers), 5000):
        chunk = readers[start : start + 5000]
        async with bench.redis.pipeline(transaction=False) as pipe:
            for r in chunk:
                pipe.exists(
                    redis_keys.reader_active(r, TIMELINE_PREFIX),
                    redis_keys.home_timeline(r, TIMELINE_PREFIX).complete_from,
                )
            flags.extend(n == 2 for n in await pipe.execute())
    return flags


async def warm(bench: Bench, readers: Sequence[int], *, concurrency: int = 4, wait_seconds: float = 120) -> dict:
    started = time.monotonic()
    flags = await ready_flags(bench, readers)
    cold = [r for r, ok in zip(readers, flags, strict=True) if not ok]
    stub = timeline_service_pb2_grpc.TimelineServiceStub(bench.channel(bench.addr.timeline))
    request = timeline_service_pb2.GetFeedRequest(limit=20, mode="chronological")
    gate = asyncio.Semaphore(concurrency)

    errors: dict[str, int] = {}

    async def read(reader: int) -> None:
        """A failed read is retried: warming is not measured (the errors are reported)."""
        async with gate:
            for attempt in range(5):
                try:
                    await stub.GetFeed(request, metadata=as_user(reader), timeout=30)
                    return
                except grpc.aio.AioRpcError as exc:
                    errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
                    await asyncio.sleep(0.2 * (attempt + 1))

    if cold:
        print(f"  warming {len(cold)} of {len(readers)} readers with one GetFeed each ...", flush=True)
        await asyncio.gather(*(read(r) for r in cold))
    deadline = time.monotonic() + wait_seconds
    pending = cold
    while pending and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        flags = await ready_flags(bench, pending)
        pending = [r for r, ok in zip(pending, flags, strict=True) if not ok]
    if pending:  # a fill can lose a race and be dropped: a second read retries it
        await asyncio.gather(*(read(r) for r in pending))
        await asyncio.sleep(2)
        flags = await ready_flags(bench, pending)
        pending = [r for r, ok in zip(pending, flags, strict=True) if not ok]
    return {
        "readers": len(readers),
        "warmed": len(cold),
        "not_ready": len(pending),
        "getfeed_errors": errors,
        "seconds": round(time.monotonic() - started, 1),
    }
