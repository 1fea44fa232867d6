"""`make chaos`: faults under a mixed load, then a checker that holds the system to every acknowledged operation.

    .venv/bin/python -m bench.chaos_full [--only "kill svc-graph,kill redis"] [--pause-seconds 20] [--no-docs]

The load (bench/chaos_mix.py) runs through the gateway while the schedule (bench/chaos_faults.py) kills and
restarts every service process, the gateway and every data-tier component in turn, then pauses Kafka and Cassandra
longer than the clients' timeout. Between two faults it waits until every operation answers fully again (at most
SETTLE_SECONDS). Whatever happens, the run ends by resuming what is paused and `stack/up.sh`. Then the load stops and
the checker (bench/chaos_checker.py) reads until everything holds or --check-within passes. The report goes to
bench/results/chaos-full-<time>.json and its section of docs/failure-modes.md. Exit status 1 on anything lost or
doubled, an inexact feed or counter, a repeated notification, a contract violation, or a stack that did not come
back; 2 when the run could not start.

Needs the stack to itself: run it under the exclusive locks (TEAM-RULES.md), which `make chaos` does not take.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import grpc

from bench import ROOT
from bench.chaos_checker import Findings, check
from bench.chaos_faults import Fault, Injector, cluster_schedule, full_schedule
from bench.chaos_full_report import markdown, replace_section
from bench.chaos_load import make_accounts
from bench.chaos_mix import RATES, MixedLoad
from bench.chaos_rules import (
    FaultFigures,
    FaultWindow,
    fault_figures,
    is_impaired,
    is_violation,
    statuses_by_op,
)
from services.common.polling import WaitTimeout, wait_until
from stack.settings import load_settings

WARM_UP_SECONDS = 10.0
SETTLE_SECONDS = 60.0  # after a fault, how long the load gets to answer fully again before the next one
QUIET_SECONDS = 3.0
ACCOUNTS = 16
DOCS = ROOT / "docs" / "failure-modes.md"
RESULTS = ROOT / "bench" / "results"


def recovered(load: MixedLoad, since: float) -> bool:
    """Some attempts since `since`, none impaired in the last QUIET_SECONDS, and QUIET_SECONDS gone by."""
    now = time.monotonic()
    recent = load.ledger.attempts_between(since, now + 1)
    return (
        now - since >= QUIET_SECONDS
        and bool(recent)
        and not any(is_impaired(s) and s.ended > now - QUIET_SECONDS for s in recent)
    )


@dataclass
class Run:
    """What one run produced: the fault windows, the load's ledger, the checker's findings."""

    load: MixedLoad
    windows: list[FaultWindow] = field(default_factory=list)
    failure: str = ""
    healthy: bool = True
    findings: Findings | None = None
    settle_seconds: float = 0.0

    def figures(self) -> list[FaultFigures]:
        lost = self.findings.lost_times if self.findings else {}
        return fault_figures(
            self.windows, self.load.ledger.attempts, [g.started for g in self.load.ledger.gave_up], lost
        )

    @property
    def violations(self) -> int:
        return sum(1 for s in self.load.ledger.attempts if is_violation(s))

    @property
    def ok(self) -> bool:
        return self.healthy and not self.failure and self.violations == 0 and bool(self.findings and self.findings.ok)


async def _faults(run: Run, injector: Injector, faults: list[Fault]) -> None:
    load = run.load
    for fault in faults:
        print(f"  {fault.name}", flush=True)
        injected, restored = await injector.inject(fault)
        try:
            await wait_until(
                partial(recovered, load, restored), what=f"answers after {fault.name}", within=SETTLE_SECONDS
            )
        except WaitTimeout:
            print(f"  {fault.name}: not fully answering {SETTLE_SECONDS:g} s after it was restored", flush=True)
        if run.windows:
            last = run.windows[-1]
            run.windows[-1] = FaultWindow(last.name, last.kind, last.start, last.restored, injected)
        run.windows.append(FaultWindow(fault.name, fault.kind, injected, restored, time.monotonic()))
        print(f"  {fault.name}: back after {restored - injected:.1f} s", flush=True)


async def execute(
    faults: list[Fault],
    *,
    accounts: int = ACCOUNTS,
    viewers: int = 8,
    check_within: float = 150.0,
    rates: dict[str, float] | None = None,
    warm_up: float = WARM_UP_SECONDS,
) -> Run:
    settings = load_settings()
    gateway = f"http://127.0.0.1:{settings['FEEDMESH_GATEWAY_PORT']}"
    load = MixedLoad(
        gateway, await make_accounts(settings["FEEDMESH_AUTH_TARGET"], accounts), rates=rates or dict(RATES)
    )
    run = Run(load)
    injector = Injector()
    running = asyncio.create_task(load.run())
    try:
        await asyncio.sleep(warm_up)
        try:
            await wait_until(lambda: recovered(load, time.monotonic() - QUIET_SECONDS), what="the load", within=60)
        except WaitTimeout as exc:
            raise RuntimeError(f"the stack does not answer fully before the first fault: {exc}") from exc
        await _faults(run, injector, faults)
    except RuntimeError as exc:
        run.failure = str(exc)
        print(f"  stopped early: {run.failure}", file=sys.stderr)
    finally:
        try:
            if faults:
                print("  resuming anything paused and starting anything stopped (stack/up.sh)", flush=True)
                await injector.restore_all()
            await wait_until(lambda: recovered(load, time.monotonic() - QUIET_SECONDS), what="the load", within=90)
        except (RuntimeError, WaitTimeout) as exc:
            print(f"  the stack did not come back: {exc}", file=sys.stderr)
            run.healthy = False
        if run.windows:
            last = run.windows[-1]
            run.windows[-1] = FaultWindow(last.name, last.kind, last.start, last.restored, time.monotonic())
        load.stop()
        await running
    print(f"  load stopped; acknowledged {load.ledger.acked_counts()}; checking", flush=True)
    run.findings, run.settle_seconds = await check(
        gateway, settings["FEEDMESH_PG_DSN"], load.ledger, load.accounts, viewers=viewers, within=check_within
    )
    return run


def lost_when(lost: dict[str, list[float]], windows: list[FaultWindow]) -> list[str]:
    """When each lost item was acknowledged: in which fault's window, how long after its injection and before the
    next fault's."""
    said = []
    for kind, times in lost.items():
        for at in times:
            w = next((w for w in windows if w.start <= at < w.end), None)
            where = (
                f"{at - w.start:+.1f} s after '{w.name}', {w.end - at:.1f} s before the next fault" if w else "outside"
            )
            said.append(f"{kind}: acknowledged {where}")
    return said


def report(run: Run, *, started_at: str, command: str, seconds: float) -> dict[str, Any]:
    assert run.findings is not None
    return {
        "started_at": started_at,
        "command": command,
        "seconds": round(seconds, 1),
        "ok": run.ok,
        "healthy_after": run.healthy,
        "stopped_early": run.failure,
        "violations": run.violations,
        "acknowledged": run.load.ledger.acked_counts(),
        "attempts": len(run.load.ledger.attempts),
        "gave_up": len(run.load.ledger.gave_up),
        "statuses": statuses_by_op(run.load.ledger.attempts),
        "settle_seconds": round(run.settle_seconds, 1),
        "faults": [f.as_dict() for f in run.figures()],
        "lost_when": lost_when(run.findings.lost_times, run.windows),
        "checker": run.findings.as_dict(),
    }


def docs_from(reports: list[dict[str, Any]], names: list[str]) -> str:
    """The docs section of several runs that together cover the schedule (one table, verdicts summed)."""
    figures = [
        FaultFigures(**{k: v for k, v in f.items() if k not in ("fault", "error_rate")}, name=f["fault"])
        for r in reports
        for f in r["faults"]
    ]
    checkers = [r["checker"] for r in reports]
    verdict: dict[str, Any] = {"checked": {}}
    for key in ("lost", "doubled", "feeds", "counters", "notification_duplicates"):
        verdict[key] = {f"{k} (run {i + 1})": v for i, c in enumerate(checkers) for k, v in c.get(key, {}).items()}
    for c in checkers:
        for k, v in c.get("checked", {}).items():
            verdict["checked"][k] = verdict["checked"].get(k, 0) + v
    acked: dict[str, int] = {}
    for r in reports:
        for k, v in r["acknowledged"].items():
            acked[k] = acked.get(k, 0) + v
    return (
        markdown(
            figures,
            started_at=", ".join(r["started_at"] for r in reports),
            command=" and ".join(f"`{r['command']}`" for r in reports).strip("`"),
            rates=RATES,
            acked=acked,
            verdict=verdict,
            violations=sum(r["violations"] for r in reports),
            settle_seconds=max(r["settle_seconds"] for r in reports),
            stopped_early="; ".join(
                f"run {i + 1}: {r['stopped_early']}" for i, r in enumerate(reports) if r["stopped_early"]
            ),
        )
        + "\nReports: "
        + ", ".join(names)
        + ".\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos_full", description=__doc__.split("\n")[0])
    parser.add_argument("--pause-seconds", type=float, default=20.0)
    parser.add_argument("--only", default="", help='comma-separated fault names ("kill svc-graph,pause kafka")')
    parser.add_argument("--check-within", type=float, default=150.0)
    parser.add_argument("--warm-up", type=float, default=WARM_UP_SECONDS, help="seconds of load before the first fault")
    parser.add_argument("--no-docs", action="store_true", help=f"do not rewrite {DOCS.relative_to(ROOT)}")
    parser.add_argument(
        "--schedule", choices=("full", "cluster"), default="full", help="cluster: docs/cluster.md's failover faults"
    )
    parser.add_argument("--docs-from", nargs="+", default=[], help="write the docs section from these reports only")
    args = parser.parse_args(argv)
    if args.docs_from:
        text = docs_from([json.loads((ROOT / p).read_text()) for p in args.docs_from], args.docs_from)
        DOCS.write_text(replace_section(DOCS.read_text() if DOCS.exists() else "", text))
        print(text)
        return 0
    faults = full_schedule(args.pause_seconds) if args.schedule == "full" else cluster_schedule()
    if args.only:
        wanted = [t.strip() for t in args.only.split(",") if t.strip()]
        known = {f.name: f for f in faults}
        unknown = [t for t in wanted if t not in known]
        if unknown and wanted != ["none"]:
            parser.error(f"unknown faults {unknown}; known: {', '.join(known)}")
        faults = [known[t] for t in wanted if t in known]
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    began = time.monotonic()
    try:
        run = asyncio.run(execute(faults, check_within=args.check_within, warm_up=args.warm_up))
    except (OSError, RuntimeError, grpc.aio.AioRpcError) as exc:
        print(f"chaos: could not run: {exc}", file=sys.stderr)
        return 2
    command = {"full": "make chaos", "cluster": "make chaos-cluster"}[args.schedule]
    if args.only:
        command = f'python -m bench.chaos_full --schedule {args.schedule} --only "{args.only}"'
    result = report(run, started_at=started_at, command=command, seconds=time.monotonic() - began)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"chaos-full-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(
        run.figures(),
        started_at=started_at,
        command=command,
        rates=run.load.rates,
        acked=run.load.ledger.acked_counts(),
        verdict=result["checker"],
        violations=run.violations,
        settle_seconds=run.settle_seconds,
        stopped_early=run.failure,
    )
    if not args.no_docs:
        DOCS.write_text(replace_section(DOCS.read_text() if DOCS.exists() else "", text))
    print(text)
    print(json.dumps(result["checker"], indent=2)[:4000])
    print(f"chaos: {'OK' if run.ok else 'FAILED'}; report {path.relative_to(ROOT)}")
    return 0 if run.ok else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
