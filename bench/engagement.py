"""`make bench`, after the timeline: the engagement benchmark on the real stack (see bench/README.md).

    .venv/bin/python -m bench.engagement [--quick] [--no-restart] [--users 2000] ...

Phases: likers, their sessions and the author (idempotent) -> restart the engagement service with its like budgets
and burst guard lifted -> new posts, their counts cached -> the floor straight to the service (info) -> <rounds>
rounds of (floor through the gateway, likes on many posts), drift watched during the likes and convergence timed
after them -> the like storm on a new post, watched the same way -> the engagement service restarted with the
stack's settings (always, in a finally) -> table, bench/results/engagement-<time>.json, latest.json, latest.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc

from bench import latest, plots, process_cpu, stack_ctl
from bench.engagement_report import build_rows
from bench.engagement_setup import author, cached_counts, fresh_posts, likers
from bench.env import Bench, service_addresses
from bench.loadgen import LoadResult
from bench.measure_drift import DriftWatch, Probes, converge, repairs
from bench.measure_likes import GatewayLikes, LikePairs, LoadShape, direct_floor
from bench.report import RESULTS
from bench.runner import Restore, measure_and_report, new_figures, phase
from bench.stats import ratio
from services.common.polling import wait_for
from stack.settings import load_settings

METHOD = [
    "Likers: `bench_fan_<n>` accounts of the timeline benchmark's fixture from n = 90,000 (they follow only the 100k "
    "author), logged in through CreateSession; tokens reused while valid. Posts: <posts> new ones per run and one "
    "storm post, by an author nobody follows, each shown once (BatchGetPostStats) so that its counts are in Redis "
    "before the first like, as a feed page shows a post before anyone can like it.",
    "Every call: native gRPC through Envoy (h2c, 127.0.0.1:8080) with the liker's JWT, one client process (this one), "
    "<concurrency> calls in flight over <channels> HTTP/2 connections. gRPC, not REST: the same listener, JWT filter, "
    "per-user write budget, route and upstream as `POST /v1/posts/{id}/like` without the JSON transcoding, and a "
    "client (grpc.aio) cheap enough per call that the rates measure the stack rather than the client.",
    "Floor: LikePost of post 0, which the engagement service refuses (INVALID_ARGUMENT) before any store work: the "
    "same route, token check, write budget and engagement process as a like, without the like. The gateway routes "
    "nothing cheaper that reaches a service with a token (GetJwks is public, on a 30/min budget; every other route "
    "reads or writes a store). Measured in <rounds> rounds alternating with the likes; also once straight to the "
    "service (no Envoy, info).",
    "Likes on many posts: closed loop, <like_seconds> s per round after 2 s of warm-up; every call is a new "
    "(user, post) pair, users taken in turn (n mod users) so each stays far under the gateway's 120 writes/min. Rate "
    "and p50/p99 over all rounds, each as a ratio to the floor; per-round ratios in the JSON.",
    "Storm: <storm_users> likers like one new post once each, same concurrency; rate = likes / (first call to last "
    "answer).",
    "Drift during the load, every <drift_interval> s: the service's gauges (counter drift by kind, flush lag) and the "
    "bench's own check of <drift_sample> random loaded posts (and the storm post): served count (BatchGetPostStats, "
    "straight to the service) before and after an exact recount of the like rows; served-before above the recount "
    "is an over-count, recount above served-after is at most the likes in flight (committed, not yet in Redis); the "
    "age of the oldest change not yet flushed into post_counters (PostgreSQL).",
    "Drift after the load (judged): seconds from the last answer until BatchGetPostStats equals the recount for every "
    "post touched, polled every 0.1 s; also until post_counters equals it and the two gauges read 0 (info).",
    "The engagement service runs with FEEDMESH_ENGAGEMENT_BURST_GUARD=off and the like budgets at 1,000,000 "
    "(restarted through stack/up.sh, and restarted with the stack's settings at the end).",
]
# The options recorded with the figures.
SETTINGS = (
    "users",
    "posts",
    "storm_users",
    "rounds",
    "floor_seconds",
    "like_seconds",
    "direct_seconds",
    "concurrency",
    "channels",
    "drift_sample",
    "drift_interval",
    "converge_within",
    "quick",
)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.engagement", description=__doc__)
    p.add_argument("--quick", action="store_true", help="shorter phases (a smoke run, not for figures)")
    p.add_argument("--no-restart", action="store_true", help="measure the engagement service as it runs")
    p.add_argument("--users", type=int, default=2000, help="likers (each needs a login the first time)")
    p.add_argument("--posts", type=int, default=500, help="new posts liked in the many-posts phase (< 1000)")
    p.add_argument("--storm-users", type=int, default=0, help="likers of the storm post (0: all the likers)")
    p.add_argument("--rounds", type=int, default=3, help="floor and likes alternate this many times")
    p.add_argument("--floor-seconds", type=float, default=5.0, help="per round")
    p.add_argument("--like-seconds", type=float, default=8.0, help="per round")
    p.add_argument("--direct-seconds", type=float, default=5.0, help="the floor straight to the service (info)")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--channels", type=int, default=4)
    p.add_argument("--drift-sample", type=int, default=20, help="posts checked per drift sample")
    p.add_argument("--drift-interval", type=float, default=0.5)
    p.add_argument("--converge-within", type=float, default=30.0, help="give up waiting for drift 0 after this")
    args = p.parse_args(argv)
    if args.quick:
        args.users, args.posts, args.rounds = min(args.users, 300), min(args.posts, 100), 1
        args.floor_seconds = args.like_seconds = args.direct_seconds = 3.0
    args.storm_users = args.storm_users or args.users
    if not 0 < args.posts < 1000 or args.storm_users > args.users:
        p.error("--posts must be 1-999 (one BatchGetPostStats) and --storm-users at most --users")
    return args


def rates(label: str, result: LoadResult) -> str:
    return (
        f"{label} {result.per_second:,.0f}/s p50 {result.latency.p50_ms:.1f} ms p99 {result.latency.p99_ms:.1f} ms"
        + (f" errors {result.error_codes}" if result.errors else "")
    )


async def gateway_reaches_engagement(client: GatewayLikes) -> None:
    """Envoy health-checks the engagement service every few seconds: after a restart, wait for the route."""

    async def answered() -> bool:
        try:
            await client.noop(0)
        except grpc.aio.AioRpcError:
            return False
        return True

    await wait_for(answered, what="the gateway routing LikePost to the engagement service", within=60, interval=0.5)


def mean_cpu(snapshots: list[dict[str, float]]) -> dict[str, float]:
    names = {name for cpu in snapshots for name in cpu}
    mean = {name: round(sum(c.get(name, 0.0) for c in snapshots) / len(snapshots), 1) for name in names}
    return dict(sorted(mean.items(), key=lambda kv: -kv[1]))


async def measure(args: argparse.Namespace, figures: dict[str, Any], loads: list[plots.TimedCalls]) -> None:
    bench = await Bench.open()
    addr = service_addresses("engagement")
    client: GatewayLikes | None = None
    probes: Probes | None = None
    try:
        t = time.monotonic()
        phase("seed: likers, their sessions, the author")
        liker_list = await likers(bench, args.users)
        author_id = await author(bench)
        figures["timings"]["seed"] = round(time.monotonic() - t, 1)
        if not args.no_restart:
            phase("restart engagement with the like budgets and the burst guard lifted")
            figures["timings"]["restart"] = round(stack_ctl.set_engagement_limits(True), 1)
        probes = await Probes.open(addr.target, bench.addr.pg_dsn, bench.redis, addr.metrics_url)
        shape = LoadShape(args.concurrency, args.channels)
        client = GatewayLikes(addr.gateway, liker_list, shape)
        await gateway_reaches_engagement(client)

        t = time.monotonic()
        phase(f"{args.posts} new posts and a storm post, their counts cached")
        posts = await fresh_posts(bench, author_id, args.posts, "post")
        storm_post = (await fresh_posts(bench, author_id, 1, "storm"))[0]
        print(f"  cached after {await cached_counts(probes, [*posts, storm_post]):.1f}s", flush=True)
        figures["timings"]["posts"] = round(time.monotonic() - t, 1)
        repairs_before = repairs(await probes.metrics())

        phase("floor straight to the engagement service (info)")
        direct = await direct_floor(addr.target, liker_list, shape, args.direct_seconds)
        print(f"  {rates('direct', direct)}", flush=True)
        figures["floor_direct"] = direct.as_dict()

        phase(f"floor and likes on {args.posts} posts, {args.rounds} alternating rounds")
        pairs = LikePairs(len(liker_list), len(posts))
        watch = DriftWatch(probes, posts, sample=args.drift_sample, interval=args.drift_interval)
        floors: list[LoadResult] = []
        like_runs: list[LoadResult] = []
        cpu: list[dict[str, float]] = []
        floor_cpu: list[dict[str, float]] = []
        after_likes: list[dict[str, Any]] = []
        for n in range(args.rounds):
            before = process_cpu.snapshot()
            floor = await client.floor(args.floor_seconds)
            floor_cpu.append(process_cpu.cores_used(before, process_cpu.snapshot()))
            before = process_cpu.snapshot()
            async with watch.running():
                likes = await client.many_posts(pairs, posts, args.like_seconds)
                ended = time.monotonic()
            cpu.append(process_cpu.cores_used(before, process_cpu.snapshot()))
            after_likes.append(await converge(probes, posts, ended, args.converge_within))
            floors.append(floor)
            like_runs.append(likes)
            print(
                f"  round {n + 1}: {rates('floor', floor)}; {rates('likes', likes)}; ratio "
                f"{ratio(likes.per_second, floor.per_second):.3f}; drift 0 after "
                f"{after_likes[-1]['seconds_to_zero']['served']} s",
                flush=True,
            )
        floor_all, likes_all = LoadResult.merge(floors), LoadResult.merge(like_runs)
        loads += [plots.TimedCalls.of("likes", likes_all), plots.TimedCalls.of("floor", floor_all)]
        figures["floor"] = {**floor_all.as_dict(), "cpu_percent_of_a_core": mean_cpu(floor_cpu)}
        figures["likes"] = {
            **likes_all.as_dict(),
            "users": len(liker_list),
            "posts": len(posts),
            "rounds": [
                {
                    "floor_per_second": round(f.per_second, 1),
                    "likes_per_second": round(lk.per_second, 1),
                    "ratio": round(ratio(lk.per_second, f.per_second), 3),
                }
                for f, lk in zip(floors, like_runs, strict=True)
            ],
            "cpu_percent_of_a_core": mean_cpu(cpu),
            "drift_during": watch.summary(in_flight=args.concurrency),
            "drift_after": after_likes,
        }

        phase(f"like storm: {args.storm_users} users like one post")
        storm_watch = DriftWatch(
            probes, posts, sample=args.drift_sample, interval=args.drift_interval, always=[storm_post]
        )
        before = process_cpu.snapshot()
        async with storm_watch.running():
            storm = await client.storm(storm_post, args.storm_users)
            ended = time.monotonic()
        storm_cpu = process_cpu.cores_used(before, process_cpu.snapshot())
        storm_after = await converge(probes, [*posts, storm_post], ended, args.converge_within)
        print(
            f"  {rates('storm', storm)} ({storm.calls:,} likes in {storm.seconds:.1f}s); drift 0 after "
            f"{storm_after['seconds_to_zero']['served']} s",
            flush=True,
        )
        figures["storm"] = {
            **storm.as_dict(),
            "likers": args.storm_users,
            "post_id": storm_post,
            "cpu_percent_of_a_core": storm_cpu,
            "drift_during": storm_watch.summary(in_flight=args.concurrency),
            "drift_after": storm_after,
        }
        repairs_after = repairs(await probes.metrics())
        figures["cache_repairs"] = {k: v - repairs_before.get(k, 0.0) for k, v in repairs_after.items()}
        figures["gateway_writes"] = {
            "max_per_user": client.max_writes_per_user(),
            "budget_per_min": int(load_settings()["FEEDMESH_RATE_WRITE_PER_MIN"]),
        }
    finally:
        if client is not None:
            await client.close()
        if probes is not None:
            await probes.close()
        await bench.close()


async def main(argv: list[str]) -> int:
    args = parse(argv)
    settings = {key: getattr(args, key) for key in SETTINGS} | {
        "client_processes": 1,
        "engagement_limits": None if args.no_restart else stack_ctl.LIFTED_ENGAGEMENT_LIMITS,
    }
    figures = new_figures(datetime.now(UTC), settings, METHOD)
    limits = Restore("the engagement service with the stack's settings", lambda: stack_ctl.set_engagement_limits(False))
    loads: list[plots.TimedCalls] = []

    def write_with_plot(figures: dict[str, Any], stamp: str) -> tuple[Path, Path]:
        if loads:
            title = f"Engagement benchmark {stamp}: likes and the floor through the gateway"
            path = plots.load_plot(loads, RESULTS / f"engagement-{stamp}-likes.png", title)
            figures["plots"] = [f"bench/results/{path.name}"]
        return latest.write_run("engagement", figures, stamp)

    await measure_and_report(
        figures, measure(args, figures, loads), None if args.no_restart else limits, build_rows, write_with_plot
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
