"""`make chaos-light`: stop each part of the running stack in turn under a light load through the gateway, and
record what the client saw (docs/failure-modes.md, bench/results/chaos-<time>.json).

    .venv/bin/python -m bench.chaos [--outage-seconds 12] [--only redis,svc-graph] [--no-docs]

The data-tier components (Redis, PostgreSQL, Kafka, Cassandra, the object store) and every service process are
stopped and started with the stack's own scripts (stack/ctl.sh; stop_name and stack/up.sh for services), one at a
time, each left down for --outage-seconds, then followed until every route answers fully again (at most
SETTLE_SECONDS). Whatever happens, the run ends with `stack/up.sh`, which starts anything still stopped, and checks
that the gateway answers. Exit status 1 when any route broke the contract (bench/chaos_report.py) or the stack
did not come back; 2 when the run itself could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from datetime import UTC, datetime

import grpc

from bench import ROOT
from bench.chaos_full_report import section_of
from bench.chaos_load import Load, make_accounts
from bench.chaos_report import TargetOutcome, is_impaired, markdown, outcome
from bench.stack_ctl import SERVICE_PROCESSES
from services.common.polling import WaitTimeout, wait_until
from stack.settings import load_settings

COMPONENTS = ("redis", "postgres", "kafka", "cassandra", "s3")
SERVICES = SERVICE_PROCESSES
WARM_UP_SECONDS = 5.0
SETTLE_SECONDS = 45.0  # after a restart answered, how long the routes get to answer fully again
QUIET_SECONDS = 3.0  # every route fully answered for this long: recovered
DOCS = ROOT / "docs" / "failure-modes.md"
RESULTS = ROOT / "bench" / "results"


async def _script(*command: str) -> None:
    """Runs a stack script from the repository root; its output goes to ours, prefixed."""
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    for line in output.decode(errors="replace").splitlines():
        print(f"    | {line}", flush=True)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")


async def stop(target: str) -> None:
    if target in COMPONENTS:
        await _script("bash", "stack/ctl.sh", "stop", target)
    else:
        await _script("bash", "-c", f"source stack/lib.sh && stop_name svc-{target} TERM 30")


async def start(target: str) -> None:
    if target in COMPONENTS:
        await _script("bash", "stack/ctl.sh", "start", target)
    else:
        await up()


async def up(attempts: int = 2) -> None:
    """stack/up.sh, once more if it fails: on this 2-core machine a service restarted while the others are busy can
    miss its start-up deadline (a Cassandra connect that timed out), and the second run starts only what is missing."""
    for attempt in range(1, attempts + 1):
        try:
            await _script("bash", "stack/up.sh")
            return
        except RuntimeError:
            if attempt == attempts:
                raise
            print("  stack/up.sh failed: once more", flush=True)


def _recovered(load: Load, since: float) -> bool:
    """Every route answered since `since`, and none impaired within the last QUIET_SECONDS."""
    now = time.monotonic()
    recent = load.since(since)
    routes = {s.route for s in recent if not is_impaired(s)}
    late_impaired = any(is_impaired(s) and s.ended > now - QUIET_SECONDS for s in recent)
    return routes >= set(s.route for s in load.samples) and not late_impaired and now - since >= QUIET_SECONDS


async def chaos_one(load: Load, target: str, outage_seconds: float) -> TargetOutcome:
    kind = "component" if target in COMPONENTS else "service"
    print(f"  {target}: stopping", flush=True)
    stopping = time.monotonic()
    await stop(target)
    stopped = time.monotonic()
    await asyncio.sleep(max(0.0, outage_seconds - (stopped - stopping)))  # the outage itself: its length is the point
    print(f"  {target}: starting", flush=True)
    restart = time.monotonic()
    await start(target)
    ready = time.monotonic()
    with contextlib.suppress(WaitTimeout):
        await wait_until(lambda: _recovered(load, ready), what=f"the routes after {target}", within=SETTLE_SECONDS)
    result = outcome(
        target, kind, load.since(stopping), stopping=stopping, stopped=stopped, ready=ready, restart=restart
    )
    print(f"  {target}: down {result.outage_seconds:.1f} s, {result.violations} violations", flush=True)
    return result


async def run(targets: list[str], outage_seconds: float) -> tuple[list[TargetOutcome], bool, str]:
    """The outcomes, whether the stack answered fully at the end, and what stopped the run early (or "")."""
    settings = load_settings()
    gateway = f"http://127.0.0.1:{settings['FEEDMESH_GATEWAY_PORT']}"
    load = Load(gateway, await make_accounts(settings["FEEDMESH_AUTH_TARGET"]))
    running = asyncio.create_task(load.run())
    outcomes: list[TargetOutcome] = []
    failure = ""
    try:
        await asyncio.sleep(WARM_UP_SECONDS)  # a few answers of every route before the first stop
        try:
            await wait_until(lambda: _recovered(load, time.monotonic() - QUIET_SECONDS), what="every route", within=60)
        except WaitTimeout as exc:
            raise RuntimeError(f"the stack does not answer fully before the first stop: {exc}") from exc
        for target in targets:
            outcomes.append(await chaos_one(load, target, outage_seconds))
    except RuntimeError as exc:  # a stack script failed: what was measured is still reported
        failure = str(exc)
        print(f"  stopped early: {failure}", file=sys.stderr)
    finally:
        print("  bringing the whole stack back (stack/up.sh)", flush=True)
        healthy = True
        try:
            await up()
            await wait_until(lambda: _recovered(load, time.monotonic() - QUIET_SECONDS), what="every route", within=60)
        except (RuntimeError, WaitTimeout) as exc:
            print(f"  the stack did not come back: {exc}", file=sys.stderr)
            healthy = False
        load.stop()
        await running
    return outcomes, healthy, failure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--outage-seconds", type=float, default=12.0)
    parser.add_argument("--only", default="", help="comma-separated targets (redis, ..., s3, auth, ..., training)")
    parser.add_argument("--no-docs", action="store_true", help=f"do not rewrite {DOCS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    targets = [*COMPONENTS, *SERVICES]
    if args.only:
        wanted = [t.strip() for t in args.only.split(",") if t.strip()]
        unknown = [t for t in wanted if t not in targets]
        if unknown:
            parser.error(f"unknown targets {unknown}; known: {', '.join(targets)}")
        targets = wanted
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    began = time.monotonic()
    try:
        outcomes, healthy, failure = asyncio.run(run(targets, args.outage_seconds))
    except (OSError, RuntimeError, grpc.aio.AioRpcError) as exc:
        print(f"chaos: could not run: {exc}", file=sys.stderr)
        return 2
    command = "make chaos-light" if not args.only else f"python -m bench.chaos --only {args.only}"
    violations = sum(o.violations for o in outcomes)
    report = {
        "started_at": started_at,
        "seconds": round(time.monotonic() - began, 1),
        "outage_seconds": args.outage_seconds,
        "healthy_after": healthy,
        "stopped_early": failure,
        "violations": violations,
        "targets": [o.as_dict() for o in outcomes],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"chaos-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(outcomes, started_at=started_at, command=command, outage_seconds=args.outage_seconds)
    if not args.no_docs:  # the page's `make chaos` section (bench/chaos_full.py) stays
        DOCS.write_text(text + ("\n" + full if (full := section_of(DOCS.read_text())) else ""))
    print(text)
    print(f"chaos: {violations} contract violations; stack {'healthy' if healthy else 'NOT healthy'} after the run")
    return 0 if violations == 0 and healthy and not failure else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
