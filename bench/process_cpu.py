"""Where a phase's CPU went: the CPU time of the stack's processes over the phase, by name, from /proc (Linux).

A process is named by the stack's pid files (`.run/pids/<name>.pid`: cassandra, kafka, svc-timeline, ...), a child
by its parent's name (PostgreSQL's backends are the postmaster's children), the benchmark's own process
"bench client"; everything else on the machine is "other". Percentages are of one core: two busy cores make 200.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stack.settings import ROOT

PIDS = ROOT / ".run" / "pids"
CLIENT = "bench client"
OTHER = "other"


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    ticks: Mapping[int, tuple[str, int]]  # pid -> (name, utime + stime in clock ticks)


def named_pids(pids_dir: Path = PIDS) -> dict[int, str]:
    names = {}
    for file in pids_dir.glob("*.pid"):
        try:
            names[int(file.read_text().split()[0])] = file.stem
        except (OSError, ValueError, IndexError):
            continue
    return names


def parse_stat(text: str) -> tuple[int, int]:
    """(parent pid, utime + stime) from the text of /proc/<pid>/stat; the command name may hold spaces and
    parentheses, so fields are counted from the last ')'."""
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def name_of(pid: int, parents: Mapping[int, int], names: Mapping[int, str], own: int) -> str:
    seen = 0
    while pid > 1 and seen < 5:  # up to the stack process that started it
        if pid == own:
            return CLIENT
        if pid in names:
            return names[pid]
        pid = parents.get(pid, 0)
        seen += 1
    return OTHER


def snapshot(proc: Path = Path("/proc"), pids_dir: Path = PIDS) -> CpuSnapshot:
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, used = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents[int(entry.name)] = parent
        ticks[int(entry.name)] = used
    names = named_pids(pids_dir)
    own = os.getpid()
    return CpuSnapshot(time.monotonic(), {pid: (name_of(pid, parents, names, own), t) for pid, t in ticks.items()})


def cores_used(before: CpuSnapshot, after: CpuSnapshot, hz: int | None = None) -> dict[str, float]:
    """Percent of one core per name between two snapshots, busiest first (processes that started in between count
    from zero)."""
    hz = hz or os.sysconf("SC_CLK_TCK")
    seconds = after.at - before.at
    if seconds <= 0:
        return {}
    used: dict[str, float] = {}
    for pid, (name, t) in after.ticks.items():
        delta = t - before.ticks.get(pid, (name, 0))[1]
        if delta > 0:
            used[name] = used.get(name, 0.0) + delta / hz / seconds * 100
    return {name: round(p, 1) for name, p in sorted(used.items(), key=lambda kv: -kv[1])}
