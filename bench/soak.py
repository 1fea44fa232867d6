"""`make soak`: the mixed load through the gateway at half the stack's measured capacity for a long time (30 minutes
by default), watching memory, errors and backlogs; bench/results/soak-<UTC time>.json and .png.

    .venv/bin/python -m bench.soak [--minutes 30] [--fraction 0.5] [--capacity N] [--interval 10]

1. Accounts: `--accounts` new users (made at the auth service, as the chaos load does).
2. Capacity: a short closed-loop ramp of the mix (`MIX`) at rising concurrency (`--ramp`, `--ramp-seconds` each);
   the capacity is the best rate of 2xx answers of a step. `--capacity` skips it.
3. Soak: the mix open loop (`bench.chaos_load.Load`) at `--fraction` of the capacity, each route at its share, plus
   log-ins and sign-ups at a fixed rate within the gateway's public budget. Every `--interval` seconds a sample:
   the resident memory (PSS) of every process named by the stack's pid files with all its descendants, the answers
   since the previous sample by kind, their p99, the Kafka consumer lags, the fanout backlog, the outboxes'
   backlogs, the timeline's posts in flight and each in-process cache's entries, weight and capacity
   (Prometheus), the machine's load average.
4. Report (bench/soak_report.py): per process the least-squares RSS slope (MB/hour) and flat/growing, the error
   rate per third of the run and its trend, each backlog's bounds, each cache's fill at the start and the end
   (bench/soak_caches.py). Exit 1 when a verdict fails.

It starts and stops nothing of the stack: other work may run beside it (the load average says how much). Every
account's session is renewed every `--renew-minutes` (the access tokens live an hour). SIGINT or SIGTERM ends the
soak early with its report written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import httpx

from bench import ROOT
from bench.chaos_load import CLIENT_TIMEOUT_SECONDS, Account, Load, Sample, make_accounts, renew_sessions
from bench.env import machine_facts
from bench.process_cpu import named_pids, parse_stat
from bench.soak_caches import cache_readings, instant_query
from bench.soak_memory import WARMUP_MINUTES
from bench.soak_report import Sample as SoakSample
from bench.soak_report import markdown, plot, summary, verdicts_hold
from bench.stats import percentile
from stack.settings import load_settings

# The mix's share of each authenticated route (a name of Load.routes()): reads, then writes.
MIX = {
    "feed": 0.35,
    "notifications": 0.15,
    "post": 0.15,
    "like": 0.15,
    "comment": 0.08,
    "follow": 0.07,
    "media": 0.05,
}
# Log-ins and sign-ups share the gateway's public budget of 30 a minute per address with everyone on this machine.
PUBLIC_RATES = {"login": 0.2, "register": 0.1}
# Prometheus: name -> (query, label that splits it or "").
BACKLOGS = {
    "fanout_backlog": ("feedmesh:fanout_backlog", ""),
    "timeline_lag": ("sum by (group) (feedmesh_timeline_consumer_lag)", "group"),
    "notification_lag": ("sum(feedmesh_notification_consumer_lag)", ""),
    "lake_lag": ("sum(feedmesh_lake_consumer_lag)", ""),
    "outbox_backlog": ("sum by (producer) (feedmesh_outbox_backlog)", "producer"),
    "posts_in_flight": ("sum(feedmesh_timeline_posts_in_flight)", ""),
}
PIDS = ROOT / ".run" / "pids"
RESULTS = ROOT / "bench" / "results"
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
ACCOUNT_BATCH = 25


def rss_by_process(pids_dir: Path, proc: Path = Path("/proc")) -> dict[str, tuple[int, float]]:
    """(pid, MB of memory) of each process named by a pid file, with every descendant (PostgreSQL's backends, a
    launcher's child). Proportional (PSS): a page shared by n processes counts 1/n to each, so PostgreSQL's shared
    buffers count once however many backends touched them, not once per backend."""
    parents: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, _ = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents[int(entry.name)] = parent
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    totals: dict[str, tuple[int, float]] = {}
    for root, name in named_pids(pids_dir).items():
        if root not in parents:
            continue  # a stale pid file
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            total += resident_mb(proc / str(pid))
            todo.extend(children.get(pid, []))
        totals[name] = (root, round(total, 1))
    return totals


def resident_mb(process: Path) -> float:
    """A process's proportional resident memory in MB (its RSS where smaps_rollup cannot be read); 0 once gone."""
    try:
        for line in (process / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int((process / "statm").read_text().split()[1]) * PAGE_MB
    except (OSError, ValueError, IndexError):
        return 0.0


def answer_kind(status: str) -> str:
    if status in ("timeout", "error"):
        return status
    code = int(status.split("-")[0])
    return "429" if code == 429 else f"{code // 100}xx"


async def backlogs(client: httpx.AsyncClient, prometheus: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, (query, label) in BACKLOGS.items():
        for result in await instant_query(client, prometheus, query):
            key = f"{name}/{result['metric'][label]}" if label else name
            values[key] = float(result["value"][1])
    return values


async def new_accounts(auth_target: str, count: int) -> list[Account]:
    """`count` accounts, made in parallel batches; a batch that finds the auth service restarting is made again."""

    async def batch(n: int) -> list[Account]:
        give_up = time.monotonic() + 120
        while True:
            try:
                return await make_accounts(auth_target, n)
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > give_up:
                    raise
                await asyncio.sleep(2)

    sizes = [min(ACCOUNT_BATCH, count - start) for start in range(0, count, ACCOUNT_BATCH)]
    made = await asyncio.gather(*(batch(n) for n in sizes))
    return [account for accounts in made for account in accounts]


async def ramp(load: Load, steps: list[int], seconds: float) -> list[dict[str, Any]]:
    """The mix closed loop at each concurrency of `steps`: answers per second, 2xx per second, p99."""
    routes = load.routes()
    names, weights = list(MIX), list(MIX.values())
    results = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=load.gateway, timeout=CLIENT_TIMEOUT_SECONDS, limits=limits) as client:
        for concurrency in steps:
            load.samples.clear()
            stop_at = time.monotonic() + seconds

            async def worker(stop_at: float = stop_at) -> None:
                while time.monotonic() < stop_at:
                    name = random.choices(names, weights)[0]
                    await load.measure(client, name, routes[name])

            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.monotonic() - started
            taken, load.samples[:] = list(load.samples), []
            ok = sum(1 for s in taken if answer_kind(s.status) == "2xx")
            step = {
                "concurrency": concurrency,
                "seconds": round(elapsed, 1),
                "answers_per_second": round(len(taken) / elapsed, 1),
                "ok_per_second": round(ok / elapsed, 1),
                "p99_ms": round(percentile([s.seconds for s in taken], 99) * 1000, 1) if taken else 0.0,
                "answers": _kinds(taken),
            }
            print(f"  ramp: {step}", flush=True)
            results.append(step)
    return results


def _kinds(taken: list[Sample]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for s in taken:
        kinds[answer_kind(s.status)] = kinds.get(answer_kind(s.status), 0) + 1
    return dict(sorted(kinds.items()))


async def keep_sessions(auth_target: str, accounts: list[Account], every_seconds: float) -> None:
    """Renews the accounts' sessions every `every_seconds`; a round that fails is tried again a minute later."""
    wait = every_seconds
    while True:
        await asyncio.sleep(wait)
        try:
            await renew_sessions(auth_target, accounts)
            wait = every_seconds
        except grpc.aio.AioRpcError as exc:
            print(f"  sessions not renewed ({exc.code().name}); again in a minute", flush=True)
            wait = 60.0


def stop_on_signals() -> asyncio.Event:
    """Set by SIGINT or SIGTERM: the soak ends at its next sample and writes its report."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    return stopping


async def soak(
    load: Load, minutes: float, interval: float, pids_dir: Path, prometheus: str, stopping: asyncio.Event
) -> tuple[list[SoakSample], dict[str, dict[str, int]]]:
    """The samples, and the answers of each route by kind."""
    samples: list[SoakSample] = []
    by_route: dict[str, dict[str, int]] = {}
    running = asyncio.create_task(load.run())
    started = last = time.monotonic()
    end = started + minutes * 60
    async with httpx.AsyncClient() as client:
        while True:
            now = time.monotonic()
            taken, load.samples[:] = list(load.samples), []
            for s in taken:
                route = by_route.setdefault(s.route, {})
                route[answer_kind(s.status)] = route.get(answer_kind(s.status), 0) + 1
            memory = rss_by_process(pids_dir)
            sample = SoakSample(
                minute=round((now - started) / 60, 3),
                rss_mb={name: mb for name, (_, mb) in memory.items()},
                pids={name: pid for name, (pid, _) in memory.items()},
                answers=_kinds(taken),
                seconds=round(now - last, 3),
                backlogs=await backlogs(client, prometheus),
                p99_ms=round(percentile([s.seconds for s in taken], 99) * 1000, 1) if taken else 0.0,
                load_average=os.getloadavg()[0],
                caches=await cache_readings(client, prometheus),
            )
            samples.append(sample)
            print(
                f"  {sample.minute:6.1f} min: {sample.calls} answers {sample.answers}, p99 {sample.p99_ms} ms, "
                f"load {sample.load_average:.1f}, backlogs {sum(sample.backlogs.values()):.0f}",
                flush=True,
            )
            last = now
            if now >= end or running.done() or stopping.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), min(interval, max(0.0, end - time.monotonic())))
    load.stop()
    await running
    return samples, by_route


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    default_minutes = float(os.environ.get("FEEDMESH_SOAK_MINUTES", "40"))
    parser.add_argument(
        "--minutes", type=float, default=default_minutes, help="FEEDMESH_SOAK_MINUTES, default 40 (the warm-up's too)"
    )
    parser.add_argument(
        "--warmup", type=float, default=WARMUP_MINUTES, help="minutes of load before memory is judged (default 10)"
    )
    parser.add_argument("--fraction", type=float, default=0.5, help="of the capacity (default 0.5)")
    parser.add_argument("--capacity", type=float, default=0.0, help="answers/s of the mix; skips the ramp")
    parser.add_argument("--ramp", default="4,8,16,32", help="concurrency steps of the ramp")
    parser.add_argument("--ramp-seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--renew-minutes", type=float, default=30.0, help="between session renewals (tokens: 1 h)")
    parser.add_argument("--pids", type=Path, default=Path(os.environ.get("FEEDMESH_PIDS_DIR", PIDS)))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    return asyncio.run(run(args))


async def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    gateway = f"http://127.0.0.1:{settings['FEEDMESH_GATEWAY_PORT']}"
    if not named_pids(args.pids):
        print(f"no pid files in {args.pids}: is the stack running? (--pids, FEEDMESH_PIDS_DIR)", file=sys.stderr)
        return 2
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    print(f"soak {stamp}: {args.accounts} accounts", flush=True)
    auth_target = settings["FEEDMESH_AUTH_TARGET"]
    load = Load(gateway, await new_accounts(auth_target, args.accounts))
    steps: list[dict[str, Any]] = []
    capacity = args.capacity
    if not capacity:
        steps = await ramp(load, [int(n) for n in args.ramp.split(",")], args.ramp_seconds)
        capacity = max(step["ok_per_second"] for step in steps)
    offered = args.fraction * capacity
    load.rates = {name: offered * share for name, share in MIX.items()} | PUBLIC_RATES
    print(f"capacity {capacity:.1f}/s; soak at {offered:.1f}/s for {args.minutes} min", flush=True)
    stopping = stop_on_signals()
    renewals = asyncio.create_task(keep_sessions(auth_target, load.accounts, args.renew_minutes * 60))
    try:
        samples, by_route = await soak(load, args.minutes, args.interval, args.pids, settings.prometheus_url, stopping)
    finally:
        renewals.cancel()
    found = summary(samples, args.warmup)
    result = {
        "started": stamp,
        "finished": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "command": "python -m bench.soak " + " ".join(sys.argv[1:]),
        "machine": machine_facts(),
        "minutes": args.minutes,
        "warmup_minutes": args.warmup,
        "interval_seconds": args.interval,
        "accounts": args.accounts,
        "ramp": steps,
        "capacity_per_second": capacity,
        "fraction": args.fraction,
        "offered_per_second": round(offered, 1),
        "rates": {name: round(rate, 2) for name, rate in load.rates.items()},
        "answers_by_route": by_route,
        "summary": found,
        "holds": verdicts_hold(found),
        "samples": [vars(s) for s in samples],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    report = args.out / f"soak-{stamp}.json"
    report.write_text(json.dumps(result, indent=1) + "\n")
    title = f"soak {stamp}: {offered:.0f} calls/s ({args.fraction:.0%} of {capacity:.0f}) for {args.minutes:g} min"
    plot(samples, args.out / f"soak-{stamp}.png", title)
    print(markdown(result))
    print(f"wrote {report} and {report.with_suffix('.png')}; holds: {result['holds']}")
    return 0 if result["holds"] else 1


if __name__ == "__main__":
    sys.exit(main())
