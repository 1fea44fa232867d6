"""The ranking benchmark on the real stack (see bench/README.md, ranking section):

    .venv/bin/python -m bench.ranking [--quick] [--read-seconds 30] [--read-rounds 3] [--score-calls 300] ...

Needs the ranking service and a timeline that asks it (FEEDMESH_RANKING_TARGET) in the stack. Phases: seed
(idempotent, bench.seed) -> a synthetic model published to the bench's own bucket, the ranking service restarted to
read it, features for the socfb readers in Redis -> warm the readers -> ScorePosts latency per 200 candidates,
straight to the ranking service one call at a time (cold: every viewer and post new to its cache; warm: the same
calls again) -> feed reads, chronological and ranked first pages alternating in rounds (bench.measure_reads) ->
the ranking service restored to the stack's models bucket (always) -> table, bench/results/ranking-<time>.json.
It does not write latest.* (the timeline benchmark's `make bench` owns them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import UTC, datetime
from typing import Any

import grpc
from feedmesh.ranking.internal.v1 import ranking_service_pb2 as pb
from feedmesh.ranking.internal.v1 import ranking_service_pb2_grpc

from bench.env import Bench, delta, scrape, service_addresses
from bench.loadgen import LoadResult, closed_loop_count
from bench.measure_reads import feed_reads
from bench.ranking_setup import publish_synthetic, use_bench_models, wait_for_model, write_features
from bench.report import RESULTS, Row, number, table
from bench.runner import Restore, new_figures, phase
from bench.seed import Dataset, seed
from bench.stats import at_least, histogram_delta, ratio, verdict
from bench.warm import warm

TARGET_RATIO = 0.70
CANDIDATES = 200
HOUR_NS = 3_600_000_000_000
SCORE_BUCKETS = "feedmesh_ranking_score_seconds_bucket"

METHOD = [
    "Model: a synthetic LightGBM model (<trees> trees of <leaves> leaves on ranking_features.FEATURE_NAMES, trained on "
    "random rows) published to the bench's bucket feedmesh-bench-models; the ranking service is restarted with "
    "FEEDMESH_MODELS_BUCKET pointing there and restored to the stack's bucket at the end. Scoring cost depends on "
    "the model's size, not on what it learnt.",
    "Features: every socfb follower's affinity to each author it follows, and every socfb author's features, written "
    "to Redis in the feature job's layout (random values, 30 min TTL); post features absent (read, found missing).",
    "ScorePosts: straight to the ranking service's gRPC port, one call at a time, 200 candidates each (authors: the "
    "viewer's socfb followees, repeated to 200; create times up to 48 h old), viewers the socfb users in turn. Cold: "
    "post ids never asked before, each viewer once (every feature a cache miss, read in one Redis round trip); warm: "
    "the same calls again (every feature from the in-process cache). Client latency, and the service's own "
    "histogram (bucket bounds) around each pass.",
    "Feed reads: first pages of 20, GetFeed straight to the timeline's gRPC port as random socfb users, closed loop, "
    "<read_concurrency> in flight over <read_channels> connections (bench.measure_reads); chronological and ranked "
    "alternate in <read_rounds> rounds so both see the same machine. A ranked first page collects a window of "
    "FEEDMESH_RANK_CANDIDATES (200) candidates, reads their counts, scores them with the timeline's ScorePosts "
    "budget (FEEDMESH_RANK_DEADLINE_MS, 30) and keeps the rest of the order in a ranking session in Redis, unless "
    "the viewer's same window was ranked within FEEDMESH_RANK_REUSE_SECONDS (120; reused, counted); a page "
    "whose scoring fails or misses the budget is served chronologically (degraded, counted). Ratios: ranked/chrono "
    "reads per second, and chrono p99 / ranked p99 (both >= 0.70 to pass).",
    "Impressions: the timeline logs every page's items (FEEDMESH_IMPRESSION_SAMPLE=1.0) in both modes.",
]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.ranking", description=__doc__)
    p.add_argument("--quick", action="store_true", help="shorter phases (a smoke run, not for figures)")
    p.add_argument("--read-seconds", type=float, default=30.0, help="per mode, split over the rounds")
    p.add_argument("--read-rounds", type=int, default=3)
    p.add_argument("--read-concurrency", type=int, default=32)
    p.add_argument("--read-channels", type=int, default=4)
    p.add_argument("--score-calls", type=int, default=300, help="ScorePosts calls per pass (cold, warm)")
    p.add_argument("--trees", type=int, default=200)
    p.add_argument("--leaves", type=int, default=31)
    args = p.parse_args(argv)
    if args.quick:
        args.read_seconds, args.read_rounds, args.score_calls = 6.0, 1, 50
    return args


def score_requests(data: Dataset, calls: int, first_post: int) -> list[pb.ScorePostsRequest]:
    """`calls` requests of 200 candidates, viewers the socfb users in turn, post ids from `first_post` on."""
    rng = random.Random(first_post)
    followees: dict[int, list[int]] = {}
    for author, followers in data.reed_followers.items():
        for follower in followers:
            followees.setdefault(follower, []).append(author)
    viewers = [v for v in data.reed_ids if followees.get(v)]
    now = time.time_ns()
    requests = []
    for n in range(calls):
        viewer = viewers[n % len(viewers)]
        authors = followees[viewer]
        request = pb.ScorePostsRequest(viewer_id=viewer)
        for i in range(CANDIDATES):
            c = request.candidates.add(
                post_id=first_post + n * CANDIDATES + i,
                author_id=authors[i % len(authors)],
                like_count=rng.randint(0, 50),
                comment_count=rng.randint(0, 5),
                has_media=rng.random() < 0.3,
            )
            c.create_time.FromNanoseconds(now - rng.randint(0, 48 * HOUR_NS))
        requests.append(request)
    return requests


async def score_latency(target: str, metrics_url: str, requests: list[pb.ScorePostsRequest]) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = ranking_service_pb2_grpc.RankingServiceStub(channel)
        versions: dict[str, int] = {}

        async def call(n: int) -> object:
            reply = await stub.ScorePosts(requests[n], timeout=5)
            versions[reply.model_version] = versions.get(reply.model_version, 0) + 1
            return reply

        before = await asyncio.to_thread(scrape, metrics_url)
        result: LoadResult = await closed_loop_count(call, count=len(requests), concurrency=1)
        after = await asyncio.to_thread(scrape, metrics_url)
    return {**result.as_dict(), "model_versions": versions, "service": histogram_delta(before, after, SCORE_BUCKETS)}


async def reads(bench: Bench, readers: list[int], args: argparse.Namespace) -> dict[str, Any]:
    rounds = max(1, args.read_rounds)
    settings = {
        "concurrency": args.read_concurrency,
        "seconds": args.read_seconds / rounds,
        "n_channels": args.read_channels,
    }
    before = await bench.timeline_metrics()
    runs: dict[str, list[LoadResult]] = {"chronological": [], "ranked": []}
    infos: dict[str, list[dict[str, Any]]] = {"chronological": [], "ranked": []}
    for n in range(rounds):
        for mode in ("chronological", "ranked"):
            result, info = await feed_reads(bench, readers, mode=mode, **settings)
            runs[mode].append(result)
            infos[mode].append(info)
        chrono, ranked = runs["chronological"][-1], runs["ranked"][-1]
        print(
            f"  round {n + 1}: chronological {chrono.per_second:,.0f}/s p99 {chrono.latency.p99_ms:.1f} ms, "
            f"ranked {ranked.per_second:,.0f}/s p99 {ranked.latency.p99_ms:.1f} ms "
            f"(degraded {infos['ranked'][-1]['degraded']}), ratio {ratio(ranked.per_second, chrono.per_second):.3f}",
            flush=True,
        )
    out: dict[str, Any] = {}
    for mode, results in runs.items():
        merged = LoadResult.merge(results)
        out[mode] = {
            **merged.as_dict(),
            "rounds": [round(r.per_second, 1) for r in results],
            "degraded_all_calls": sum(i["degraded"] for i in infos[mode]),
            "model_versions_all_calls": _added(i["model_versions"] for i in infos[mode]),
            "mean_items_per_page": round(sum(i["mean_items_per_page"] for i in infos[mode]) / rounds, 1),
        }
    after = await bench.timeline_metrics()
    out["timeline_counters"] = {
        k: v
        for k, v in delta(after, before).items()
        if k.startswith(("feedmesh_timeline_ranked_windows_total", "feedmesh_timeline_ranking_fallbacks_total"))
    }
    chrono, ranked = out["chronological"], out["ranked"]
    out["reads_ratio"] = round(ratio(ranked["per_second"], chrono["per_second"]), 3)
    out["p99_ratio"] = round(ratio(chrono["latency"]["p99_ms"], ranked["latency"]["p99_ms"]), 3)
    return out


def _counter(reads: dict[str, Any], source: str) -> float:
    return float(reads["timeline_counters"].get(f'feedmesh_timeline_ranked_windows_total{{source="{source}"}}', 0))


def _added(dicts: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for d in dicts:
        for key, value in d.items():
            total[key] = total.get(key, 0) + value
    return total


async def measure(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    ranking = service_addresses("ranking")
    bench = await Bench.open()
    try:
        t = phase("seed")
        data = await seed(bench)
        figures["timings"]["seed"] = round(time.monotonic() - t, 1)

        t = phase(f"synthetic model ({args.trees} trees x {args.leaves} leaves), ranking restarted, features")
        version = await asyncio.to_thread(publish_synthetic, args.trees, args.leaves)
        await asyncio.to_thread(use_bench_models, True)
        figures["model"] = {
            "version": version,
            "waited_seconds": round(await wait_for_model(ranking.target, version), 1),
        }
        figures["features"] = await write_features(bench, data.reed_followers)
        figures["timings"]["setup"] = round(time.monotonic() - t, 1)

        phase("warm readers (socfb users)")
        figures["warm"] = await warm(bench, data.reed_ids)

        phase(f"ScorePosts, {CANDIDATES} candidates, {args.score_calls} calls cold then warm")
        requests = score_requests(data, args.score_calls, first_post=time.time_ns() // 1000)
        figures["score"] = {
            "cold": await score_latency(ranking.target, ranking.metrics_url, requests),
            "warm": await score_latency(ranking.target, ranking.metrics_url, requests),
        }
        for name, run in figures["score"].items():
            lat = run["latency"]
            print(f"  {name}: p50 {lat['p50_ms']:.2f} ms p95 {lat['p95_ms']:.2f} ms p99 {lat['p99_ms']:.2f} ms")

        phase(f"feed reads: chronological vs ranked, {args.read_rounds} rounds")
        figures["reads"] = await reads(bench, data.reed_ids, args)
    finally:
        await bench.close()


def build_rows(f: dict[str, Any]) -> list[Row]:
    r = f["reads"]
    chrono, ranked = r["chronological"], r["ranked"]
    rows = [
        Row(
            "ranked feed reads/s (first pages of 20)",
            number(ranked["per_second"], "/s"),
            number(chrono["per_second"], "/s chrono"),
            f"{r['reads_ratio']:.3f}",
            f">= {TARGET_RATIO}",
            verdict(at_least(r["reads_ratio"], TARGET_RATIO)),
        ),
        Row(
            "ranked feed read p99",
            number(ranked["latency"]["p99_ms"], " ms", 1),
            number(chrono["latency"]["p99_ms"], " ms chrono", 1),
            f"{r['p99_ratio']:.3f}",
            f">= {TARGET_RATIO} (chrono/ranked)",
            verdict(at_least(r["p99_ratio"], TARGET_RATIO)),
        ),
        Row(
            "ranked pages degraded (all calls)",
            f"{ranked['degraded_all_calls']:,} of {sum(ranked['model_versions_all_calls'].values()):,}",
        ),
        Row(
            "ranked first pages scored / reused (timeline)",
            f"{_counter(r, 'scored'):,.0f} / {_counter(r, 'reused'):,.0f}",
        ),
    ]
    for name, run in f["score"].items():
        lat, service = run["latency"], run["service"]
        rows.append(
            Row(
                f"ScorePosts, 200 candidates, {name} cache (client p50 / p95 / p99)",
                f"{lat['p50_ms']:.2f} / {lat['p95_ms']:.2f} / {lat['p99_ms']:.2f} ms",
                f"service p99 <= {service['p99_ms_at_most']:.1f} ms",
            )
        )
    return rows


async def main(argv: list[str]) -> int:
    args = parse(argv)
    started = datetime.now(UTC)
    figures = new_figures(started, vars(args) | {"client_processes": 1}, METHOD)
    restore = Restore("ranking with the stack's models bucket", lambda: use_bench_models(False))
    t0 = time.monotonic()
    try:
        await measure(args, figures)
    finally:
        phase(f"restore {restore.what}")
        restore.call()
    figures["timings"]["total"] = round(time.monotonic() - t0, 1)
    rows = build_rows(figures)
    print()
    print(table(rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"ranking-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    figures["json_file"] = f"bench/results/{path.name}"
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(f"\nfigures: bench/results/{path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
