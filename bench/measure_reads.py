"""Feed reads at the timeline service: GetFeed (gRPC straight to the timeline, chronological, pages of 20) as
random socfb users, closed loop from this one client process, `concurrency` in flight over `n_channels` HTTP/2
connections; the trivial-unary baseline (bench.baselines.trivial_grpc) uses the same settings.

The two alternate in short rounds (`reads_against_unary`): this machine's speed drifts by tens of percent within
minutes (unchanged timeline code read 749 to 1,165 pages/s in runs minutes apart, 2026-11-24), and a ratio of two
figures taken one after the other carried that drift. Each side's figure is over all of its rounds; the per-round
ratios are kept."""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from typing import Any

from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc

from bench import baselines, process_cpu
from bench.env import Bench, as_user
from bench.loadgen import LoadResult, channels, closed_loop
from bench.stats import ratio


async def feed_reads(
    bench: Bench,
    readers: Sequence[int],
    *,
    concurrency: int,
    seconds: float,
    n_channels: int,
    page: int = 20,
    mode: str = "chronological",
) -> tuple[LoadResult, dict[str, Any]]:
    """First pages of `mode` (a ranked first page is the one that is scored)."""
    chans = channels(bench.addr.timeline, n_channels)
    stubs = [timeline_service_pb2_grpc.TimelineServiceStub(c) for c in chans]
    request = timeline_service_pb2.GetFeedRequest(limit=page, mode=mode)
    rng = random.Random(11)
    items: list[int] = []
    degraded = 0
    models: dict[str, int] = {}

    async def call(n: int) -> object:
        nonlocal degraded
        reply = await stubs[n % len(stubs)].GetFeed(request, metadata=as_user(rng.choice(readers)), timeout=10)
        degraded += reply.degraded
        models[reply.model_version] = models.get(reply.model_version, 0) + 1
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
        "mode": mode,
        "degraded": degraded,
        "model_versions": models,
        "readers": len(readers),
        "mean_items_per_page": round(sum(items) / len(items), 1) if items else 0,
        "home_reads_by_source": home,
    }


async def reads_against_unary(
    bench: Bench, readers: Sequence[int], args: argparse.Namespace
) -> tuple[LoadResult, LoadResult, dict[str, Any], dict[str, Any]]:
    """`args.read_rounds` rounds of (trivial unary, feed reads), each `args.read_seconds / rounds` long: the unary
    result, the reads result, and their details (per-round rates and ratios, the stack's CPU during the reads)."""
    rounds = max(1, args.read_rounds)
    seconds = args.read_seconds / rounds
    settings = {"concurrency": args.read_concurrency, "seconds": seconds, "n_channels": args.read_channels}
    unary_runs: list[LoadResult] = []
    read_runs: list[LoadResult] = []
    infos: list[dict[str, Any]] = []
    cpu: list[dict[str, float]] = []
    unary_info: dict[str, Any] = {}
    if args.read_warmup_seconds > 0:
        # The run restarts the timeline just before (the celebrity threshold): the first read of each reader then
        # fills the process's caches, which is the cost of a restart, not of a read.
        await feed_reads(bench, readers, **(settings | {"seconds": args.read_warmup_seconds}))
    for n in range(rounds):
        unary, unary_info = await baselines.trivial_grpc(**settings)
        before = process_cpu.snapshot()
        reads, info = await feed_reads(bench, readers, **settings)
        cpu.append(process_cpu.cores_used(before, process_cpu.snapshot()))
        unary_runs.append(unary)
        read_runs.append(reads)
        infos.append(info)
        print(
            f"  round {n + 1}: unary {unary.per_second:,.0f}/s, reads {reads.per_second:,.0f}/s, "
            f"ratio {ratio(reads.per_second, unary.per_second):.3f}",
            flush=True,
        )
    per_round = [
        {
            "unary_per_second": round(u.per_second, 1),
            "reads_per_second": round(r.per_second, 1),
            "ratio": round(ratio(r.per_second, u.per_second), 3),
        }
        for u, r in zip(unary_runs, read_runs, strict=True)
    ]
    names = {name for c in cpu for name in c}
    mean_cpu = {name: round(sum(c.get(name, 0.0) for c in cpu) / len(cpu), 1) for name in names}
    reads_info = {
        "readers": len(readers),
        "mean_items_per_page": round(sum(i["mean_items_per_page"] for i in infos) / len(infos), 1),
        "home_reads_by_source": {
            src: sum(i["home_reads_by_source"][src] for i in infos) for src in ("redis", "cassandra")
        },
        "rounds": per_round,
        "cpu_percent_of_a_core": dict(sorted(mean_cpu.items(), key=lambda kv: -kv[1])),
    }
    return LoadResult.merge(unary_runs), LoadResult.merge(read_runs), {**unary_info, "rounds": rounds}, reads_info
