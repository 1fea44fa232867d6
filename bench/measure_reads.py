"""Feed reads at the timeline service: GetFeed (gRPC straight to the timeline, chronological, pages of 20) as
random socfb users, closed loop from this one client process, `concurrency` in flight over `n_channels` HTTP/2
connections; the trivial-unary baseline (bench.baselines.trivial_grpc) uses the same settings."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc

from bench.env import Bench, as_user
from bench.loadgen import LoadResult, channels, closed_loop


async def feed_reads(
    bench: Bench, readers: Sequence[int], *, concurrency: int, seconds: float, n_channels: int, page: int = 20
) -> tuple[LoadResult, dict[str, Any]]:
    chans = channels(bench.addr.timeline, n_channels)
    stubs = [timeline_service_pb2_grpc.TimelineServiceStub(c) for c in chans]
    request = timeline_service_pb2.GetFeedRequest(limit=page, mode="chronological")
    rng = random.Random(11)
    items: list[int] = []

    async def call(n: int) -> object:
        reply = await stubs[n % len(stubs)].GetFeed(request, metadata=as_user(rng.choice(readers)), timeout=10)
        if n % 50 == 0:
            items.append(len(reply.items))
        return reply

    before = await bench.timeline_metrics()
    try:
        result = await closed_loop(call, concurrency=concurrency, seconds=seconds)
    finally:
        for c in chans:
            await c.close()
    after = await bench.timeline_metrics()
    home = {
        src: after.get(f'feedmesh_timeline_home_reads_total{{source="{src}"}}', 0)
        - before.get(f'feedmesh_timeline_home_reads_total{{source="{src}"}}', 0)
        for src in ("redis", "cassandra")
    }
    return result, {
        "readers": len(readers),
        "mean_items_per_page": round(sum(items) / len(items), 1) if items else 0,
        "home_reads_by_source": home,
    }
