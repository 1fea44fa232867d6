"""`make bench`: the timeline benchmark on the real stack (see bench/README.md).

    .venv/bin/python -m bench.run [--quick] [--threshold 10001] [--no-restart] ...

Phases: seed (idempotent) -> restart graph (FEEDMESH_CELEBRITY_THRESHOLD=<threshold>) + timeline -> warm the
readers -> baselines (redis-benchmark ZADD/ZREVRANGE, trivial grpc.aio unary) -> feed reads -> fanout bursts ->
freshness under load -> celebrity cost -> restart graph + timeline with the defaults (always, in a finally) ->
table, bench/results/timeline-<time>.json, latest.json, latest.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedmesh.graph.internal.v1 import graph_internal_service_pb2, graph_internal_service_pb2_grpc

from bench import baselines, plots, process_cpu, stack_ctl
from bench.env import Bench
from bench.measure_capacity import mix_capacity
from bench.measure_cost import post_cost
from bench.measure_fanout import burst
from bench.measure_freshness import FreshnessSettings, freshness, scaled_load
from bench.measure_reads import reads_against_unary
from bench.report import RESULTS, build_rows, write
from bench.runner import Restore, measure_and_report, new_figures, phase
from bench.seed import AUTHOR_SIZES, seed
from bench.stats import median_of
from bench.warm import warm

METHOD = [
    "Seed: socfb-Reed98 (962 accounts via CreateUser, 37,624 follows via FollowUser); synthetic authors with 1k, "
    "10k and 100k followers (nested audiences of 100,000 `bench_fan_<n>` accounts bulk-inserted into auth.users, "
    "graph.follows, graph.user_counts as a fixture, graph Redis caches invalidated). Reused by later runs.",
    "The graph, which decides who is a celebrity, is restarted with FEEDMESH_CELEBRITY_THRESHOLD=<threshold> "
    "(settings) so the 10k author is pushed; the 100k author stays a celebrity. The timeline is restarted with it "
    "(its copies of the graph's answers go). Both are restarted with the defaults at the end.",
    "Readers are made active with one GetFeed each (fanout skips readers that never read) before measuring.",
    "Fanout: a burst of posts by one author, timed from the first CreatePost until the timeline's hot fanout group "
    "has counted one Redis delivery per (follower, post), then checked: every follower's Redis home timeline "
    "holds every post (ZMSCORE); and until its durable group has counted one acknowledged Cassandra "
    "home_timeline row per delivery, then checked on the rows of 200 sampled followers. <rounds> bursts per author, "
    "each after the backlog drained; the median burst (by Redis rate) reported, every round in the JSON.",
    "Capacity of the freshness mix: posts in the mix's proportions of deliveries (40% socfb users, 30% the 1k "
    "author, 30% the 10k author) published by 16 closed-loop clients for <capacity_seconds>; deliveries divided by "
    "the time from the first CreatePost until both fanout groups (Redis and Cassandra) have counted them all.",
    "Freshness: authors publish concurrently, open loop, offering <freshness_load> x the mix's capacity in "
    "deliveries/s, in the same mix; for 3 sampled followers of every post, time from CreatePost returning to the post "
    "being visible to the follower (judged): its id in the follower's Redis home timeline, or the post in the "
    "timeline's in-flight registry, which every GetFeed of the author's followers merges (polled every 10 ms); also "
    "to the id being in the home timeline (pushed, info); and for one more follower of one post in 20 (socfb), 4 (1k) "
    "or every post (10k), to GetFeed returning it (polled every 20 ms). Run at <freshness_load> (judged) and again at "
    "<freshness_light_load> (the curve), each once the fanout backlog is drained, Cassandra runs no compaction and "
    "Redis has rewritten its append-only file (so that no rewrite comes due during the phase).",
    "Feed reads: closed loop, one client process (this one), GetFeed straight to the timeline gRPC port as random "
    "socfb users; the trivial baseline is a health Check on a throwaway grpc.aio server process, same client setup.",
    "Baselines: redis-benchmark -P 16 -c 50 -n 200000 on a scratch database (15) of the stack's Redis: ZADD with "
    "random members, ZREVRANGE 0 19 of an 800-member sorted set; <rounds> runs, the median of each.",
    "Celebrity cost: deltas of Redis INFO commandstats (write commands, including those inside Lua scripts) and "
    "Cassandra per-table write counts around one post, the stack otherwise idle; three posts one after the other, "
    "the cheapest reported (every try's total in the JSON).",
]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument("--quick", action="store_true", help="shorter phases (a smoke run, not for figures)")
    p.add_argument("--threshold", type=int, default=10_001, help="celebrity threshold during the run")
    p.add_argument("--no-restart", action="store_true", help="use the services as they run (threshold unknown)")
    p.add_argument("--read-seconds", type=float, default=20.0)
    p.add_argument(
        "--read-warmup-seconds", type=float, default=5.0, help="feed reads before the rounds, not counted (0: none)"
    )
    p.add_argument(
        "--read-rounds",
        type=int,
        default=3,
        help="the feed reads and their trivial baseline alternate this many times (read-seconds split among them)",
    )
    p.add_argument("--read-concurrency", type=int, default=32)
    p.add_argument("--read-channels", type=int, default=4)
    p.add_argument("--burst-posts-1k", type=int, default=10)
    p.add_argument("--burst-posts-10k", type=int, default=20)
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="fanout bursts and redis-benchmark runs repeated this many times; the median is reported",
    )
    p.add_argument("--capacity-seconds", type=float, default=15.0, help="publishing time of the capacity phase")
    p.add_argument("--freshness-seconds", type=float, default=40.0)
    p.add_argument(
        "--freshness-load", type=float, default=0.5, help="offered deliveries/s as a fraction of the mix's capacity"
    )
    p.add_argument(
        "--freshness-light-load",
        type=float,
        default=0.25,
        help="a second, lighter freshness run (for the curve; 0: skip)",
    )
    return p.parse_args(argv)


async def graph_threshold(bench: Bench, user_id: int) -> int:
    stub = graph_internal_service_pb2_grpc.GraphInternalServiceStub(bench.channel(bench.addr.graph))
    reply = await stub.ListFolloweeIds(graph_internal_service_pb2.ListFolloweeIdsRequest(user_id=user_id), timeout=10)
    return int(reply.celebrity_threshold)


async def measure(args: argparse.Namespace, figures: dict[str, Any], series: plots.TimelineSeries) -> None:
    bench = await Bench.open()
    try:
        t = phase("seed")
        data = await seed(bench)
        figures["timings"]["seed"] = round(time.monotonic() - t, 1)
        reed = data.reed_ids
        fans_10k = data.followers_of("10k")
        fans_1k = data.followers_of("1k")

        if not args.no_restart:
            t = phase(f"restart graph (FEEDMESH_CELEBRITY_THRESHOLD={args.threshold}) + timeline")
            stack_ctl.set_celebrity_threshold(args.threshold)
            await bench.close()  # channels to the restarted services
            bench = await Bench.open()
            figures["timings"]["restart"] = round(time.monotonic() - t, 1)
        threshold = await graph_threshold(bench, fans_1k[0])
        figures["settings"]["celebrity_threshold_in_graph"] = threshold
        print(f"  graph reports celebrity threshold {threshold}", flush=True)

        t = phase("warm readers (socfb users and the 10k author's followers)")
        figures["warm"] = await warm(bench, [*reed, *fans_10k])
        print(f"  {figures['warm']}", flush=True)

        print(f"  waited {await bench.drain():.1f}s for the fanout backlog to drain", flush=True)
        phase("baselines: redis-benchmark ZADD / ZREVRANGE")
        redis_base = await asyncio.to_thread(
            baselines.redis_benchmark_rounds, bench.addr.redis_host, bench.addr.redis_port, args.rounds
        )
        print(f"  ZADD {redis_base.zadd_per_second:,.0f}/s, ZREVRANGE {redis_base.zrevrange_per_second:,.0f}/s")
        phase(f"feed reads against the trivial grpc.aio unary call, {args.read_rounds} alternating rounds")
        unary, reads, unary_info, reads_info = await reads_against_unary(bench, reed, args)
        print(f"  unary {unary.per_second:,.0f}/s p50 {unary.latency.p50_ms:.2f} ms p99 {unary.latency.p99_ms:.2f} ms")
        print(f"  reads {reads.per_second:,.0f}/s p50 {reads.latency.p50_ms:.2f} ms p99 {reads.latency.p99_ms:.2f} ms")
        figures["baselines"] = {
            "redis": asdict(redis_base),
            "trivial_grpc": {**unary.as_dict(), **unary_info},
        }
        figures["feed_reads"] = {**reads.as_dict(), **reads_info}
        series.loads = [plots.TimedCalls.of("feed reads", reads), plots.TimedCalls.of("trivial unary", unary)]

        phase("fanout bursts")
        figures["fanout"] = []
        for label, followers, posts in (
            ("1k", fans_1k, args.burst_posts_1k),
            ("10k", fans_10k, args.burst_posts_10k),
        ):
            runs = []
            for _ in range(args.rounds):
                await bench.drain()
                result = await burst(bench, data.authors[label], followers, posts, label=label)
                print(
                    f"  {label}: {result['deliveries']:,} deliveries, Redis {result['redis_per_second']:,.0f}/s "
                    f"({result['redis_seconds']} s), Cassandra {result['cassandra_per_second']:,.0f}/s "
                    f"({result['cassandra_seconds']} s)",
                    flush=True,
                )
                runs.append(result)
            figures["fanout"].append(
                {
                    **median_of(runs, key=lambda r: r["redis_per_second"]),
                    "redis_per_second_rounds": [r["redis_per_second"] for r in runs],
                    "cassandra_per_second_rounds": [r["cassandra_per_second"] for r in runs],
                }
            )

        t = phase("capacity: the freshness mix published as fast as it is taken")
        await bench.drain()
        cap = await mix_capacity(
            bench,
            reed_followers=data.reed_followers,
            author_1k=(data.authors["1k"], fans_1k),
            author_10k=(data.authors["10k"], fans_10k),
            seconds=args.capacity_seconds,
        )
        figures["mix_capacity"] = cap
        print(
            f"  {cap['posts']:,} posts ({cap['posts_by_author']}), {cap['deliveries']:,} deliveries: "
            f"{cap['posts_per_second']:,.1f} posts/s, {cap['deliveries_per_second']:,.0f} deliveries/s "
            f"(all in Redis after {cap['redis_seconds']} s, in Cassandra after {cap['cassandra_seconds']} s)",
            flush=True,
        )
        capacity = cap["deliveries_per_second"]
        socfb_degree = cap["mean_socfb_followers"]
        for key, load in (("freshness", args.freshness_load), ("freshness_light", args.freshness_light_load)):
            if load <= 0:
                continue
            phase(f"freshness at {load:.0%} of the mix's capacity")
            fs = scaled_load(
                FreshnessSettings(seconds=args.freshness_seconds),
                capacity=capacity,
                load=load,
                mean_socfb_followers=socfb_degree,
            )
            print(
                f"  offering {fs.offered_deliveries_per_second:,.0f} deliveries/s ({load:.0%} of the "
                f"mix's capacity): socfb {fs.reed_rate:.1f} posts/s, 1k author every {fs.every_1k:.1f} s, "
                f"10k author every {fs.every_10k:.1f} s",
                flush=True,
            )
            await bench.drain()
            settled = await bench.compactions_done()
            print(f"  waited {settled:.1f}s for Cassandra's compactions", flush=True)
            rewritten = await bench.aof_rewritten()
            print(f"  waited {rewritten:.1f}s for Redis to rewrite its append-only file", flush=True)
            cpu_before = process_cpu.snapshot()
            samples = series.freshness[f"{load:.0%} load"] = {}
            figures[key] = await freshness(
                bench,
                fs,
                reed_followers=data.reed_followers,
                author_1k=(data.authors["1k"], fans_1k),
                author_10k=(data.authors["10k"], fans_10k),
                samples=samples,
            )
            figures[key]["cpu_percent_of_a_core"] = process_cpu.cores_used(cpu_before, process_cpu.snapshot())
            figures[key]["load"] = load
            figures[key]["compactions_waited_seconds"] = round(settled, 1)
            figures[key]["aof_rewrite_waited_seconds"] = round(rewritten, 1)
            for label, a in (("visible", figures[key]["visible_all"]), ("pushed", figures[key]["redis_all"])):
                ms = f"p50 {a['p50_ms']:.1f} ms p95 {a['p95_ms']:.1f} ms p99 {a['p99_ms']:.1f} ms"
                print(f"  {label}: {ms} (n={a['count']})")

        phase("celebrity cost")
        await bench.drain()
        normal = await post_cost(bench, data.authors["1k"], fans_1k, pushed=True, label="1k")
        celeb = await post_cost(bench, data.authors["100k"], data.fan_ids, pushed=False, label="100k")
        figures["celebrity_cost"] = {"normal": normal, "celebrity": celeb}
        print(f"  1k: {normal['writes_total']:,} writes; 100k celebrity: {celeb['writes_total']:,} writes")
    finally:
        await bench.close()


async def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.quick:
        args.read_seconds, args.freshness_seconds, args.capacity_seconds = 5.0, 10.0, 5.0
        args.burst_posts_1k, args.burst_posts_10k, args.rounds = 2, 1, 1
    settings = {
        "celebrity_threshold": None if args.no_restart else args.threshold,
        "authors": AUTHOR_SIZES,
        "client_processes": 1,
        "read_concurrency": args.read_concurrency,
        "read_channels": args.read_channels,
        "read_seconds": args.read_seconds,
        "read_warmup_seconds": args.read_warmup_seconds,
        "page_size": 20,
        "burst_posts": {"1k": args.burst_posts_1k, "10k": args.burst_posts_10k},
        "rounds": args.rounds,
        "capacity_seconds": args.capacity_seconds,
        "freshness_seconds": args.freshness_seconds,
        "freshness_load": args.freshness_load,
        "freshness_light_load": args.freshness_light_load,
        "quick": args.quick,
    }
    figures = new_figures(datetime.now(UTC), settings, METHOD)
    threshold = Restore(
        "graph + timeline with the default celebrity threshold", lambda: stack_ctl.set_celebrity_threshold(None)
    )
    restore = None if args.no_restart else threshold
    series = plots.TimelineSeries()

    def write_with_plots(figures: dict[str, Any], stamp: str) -> tuple[Path, Path]:
        written = plots.write_timeline_plots(series, RESULTS, stamp)
        figures["plots"] = [f"bench/results/{path.name}" for path in written]
        return write(figures, stamp)

    await measure_and_report(figures, measure(args, figures, series), restore, build_rows, write_with_plots)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
