"""What the benchmarks' entry points (bench.run, bench.engagement) share: the figures' frame, phase headings, the
restore of the services a run restarted with other settings (always, also when the measurement fails), and the
closing table and files."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.env import machine_facts
from bench.report import Row, table


def phase(name: str) -> float:
    print(f"== {name}", flush=True)
    return time.monotonic()


def new_figures(started: datetime, settings: dict[str, Any], method: list[str]) -> dict[str, Any]:
    """The figures of a run as it starts: when, on what machine, with which settings, measured how."""
    return {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "settings": settings,
        "method": method,
        "timings": {},
    }


@dataclass(frozen=True)
class Restore:
    """Restarts the services a run restarted with other settings, as the stack has them (`what` says which)."""

    what: str
    call: Callable[[], object]


async def measure_and_report(
    figures: dict[str, Any],
    measure: Awaitable[None],
    restore: Restore | None,
    build_rows: Callable[[dict[str, Any]], list[Row]],
    write: Callable[[dict[str, Any], str], tuple[Path, Path]],
) -> None:
    """Awaits the measurement, then restores (even if the measurement failed: a failed restore is reported with the
    way out, and raised), then prints the table and writes the run's JSON and the latest.* files."""
    t0 = time.monotonic()
    try:
        await measure
    finally:
        if restore is not None:
            phase(f"restore {restore.what}")
            try:
                restore.call()
            except Exception as exc:  # report, but keep the original error if there is one
                print(f"  RESTORE FAILED: {exc}\n  run: make down && make up", file=sys.stderr)
                raise
    figures["timings"]["total"] = round(time.monotonic() - t0, 1)
    rows = build_rows(figures)
    print()
    print(table(rows))
    stamp = datetime.fromisoformat(figures["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    json_path, md_path = write(figures, stamp)
    print(f"\nfigures: {json_path.relative_to(json_path.parents[2])}, {md_path.relative_to(md_path.parents[2])}")
