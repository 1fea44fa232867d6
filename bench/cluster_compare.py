"""Feed reads and fanout on the running stack, for the cluster topology against the single node (docs/cluster.md):
the same phases as `make bench`'s (bench/run.py) reads and fanout bursts, without its restarts, so that it runs on
either topology as `make up` started it. Bursts by the 1k author by default; the 10k author is a celebrity (pulled,
not pushed) at the default threshold: add it with `--authors 1k,10k` on a stack started with
FEEDMESH_CELEBRITY_THRESHOLD=10001 in the environment, as `make bench` sets it.

    make up [TOPOLOGY=cluster]
    .venv/bin/python -m bench.cluster_compare [--timeline ipv4:127.0.0.1:50054,127.0.0.1:50154]

Reads go straight to the timeline (`--timeline`: the first replica by default; a list balances round robin). The
figures go to bench/results/cluster-compare-<topology>-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import time
from datetime import UTC, datetime
from typing import Any

from bench.env import Bench
from bench.measure_fanout import burst
from bench.measure_reads import reads_against_unary
from bench.report import RESULTS
from bench.seed import seed
from bench.stats import median_of
from bench.warm import warm
from stack.settings import load_settings


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.cluster_compare", description=__doc__.split("\n")[0])
    p.add_argument("--timeline", default="", help="the timeline's gRPC target for the reads (default: the stack's)")
    p.add_argument("--read-seconds", type=float, default=20.0)
    p.add_argument("--read-warmup-seconds", type=float, default=5.0)
    p.add_argument("--read-rounds", type=int, default=3)
    p.add_argument("--read-concurrency", type=int, default=32)
    p.add_argument("--read-channels", type=int, default=4)
    p.add_argument("--authors", default="1k", help="comma-separated synthetic authors whose bursts are timed")
    p.add_argument("--burst-posts", type=int, default=20, help="posts per burst")
    p.add_argument("--rounds", type=int, default=2, help="fanout bursts per author; the median is reported")
    return p.parse_args(argv)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"settings": vars(args)}
    bench = await Bench.open()
    try:
        data = await seed(bench)
        authors = [a.strip() for a in args.authors.split(",") if a.strip()]
        figures["warm"] = await warm(bench, [*data.reed_ids, *data.followers_of("10k")])
        figures["drain_seconds"] = round(await bench.drain(), 1)
        if args.timeline:
            bench.addr = dataclasses.replace(bench.addr, timeline=args.timeline)
        unary, reads, _, reads_info = await reads_against_unary(bench, data.reed_ids, args)
        figures["trivial_grpc"] = unary.as_dict()
        figures["feed_reads"] = {**reads.as_dict(), **reads_info}
        print(f"  reads {reads.per_second:,.0f}/s p50 {reads.latency.p50_ms:.2f} ms p99 {reads.latency.p99_ms:.2f} ms")
        figures["fanout"] = []
        for label in authors:
            runs = []
            for _ in range(args.rounds):
                await bench.drain()
                runs.append(
                    await burst(bench, data.authors[label], data.followers_of(label), args.burst_posts, label=label)
                )
                print(
                    f"  {label}: Redis {runs[-1]['redis_per_second']:,.0f}/s, "
                    f"Cassandra {runs[-1]['cassandra_per_second']:,.0f}/s",
                    flush=True,
                )
            figures["fanout"].append(
                {
                    **median_of(runs, key=lambda r: r["redis_per_second"]),
                    "redis_per_second_rounds": [r["redis_per_second"] for r in runs],
                    "cassandra_per_second_rounds": [r["cassandra_per_second"] for r in runs],
                }
            )
    finally:
        await bench.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    topology = load_settings().values.get("FEEDMESH_TOPOLOGY", "") or "single"
    started = time.monotonic()
    figures = asyncio.run(measure(args))
    figures["topology"] = topology
    figures["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"cluster-compare-{topology}-{stamp}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"cluster-compare ({topology}): {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
