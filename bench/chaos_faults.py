"""The faults of `make chaos`, on the running stack: SIGKILL of a process (its whole process group: the stack starts
each in a session of its own, so PostgreSQL's backends die with the postmaster) and its restart with the stack's own
scripts, or a SIGSTOP pause and SIGCONT of a process. The processes are found by their pid files
(`.run/pids/<name>.pid`, "PID STARTTIME", as stack/lib.sh writes them) under the stack's root: this checkout, or
FEEDMESH_STACK_ROOT when the stack runs from another one.

Restarts: a data-tier component with `bash stack/ctl.sh start <component>` (returns once it answers), a service
process or the gateway with `bash stack/up.sh` (starts whatever is not running, then waits until it is SERVING).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from bench import ROOT
from services.common.polling import WaitTimeout, wait_until

STACK_ROOT = Path(os.environ.get("FEEDMESH_STACK_ROOT") or ROOT)
DATA_TIER = ("redis", "postgres", "kafka", "cassandra", "s3")
# every process stack/after-up.d/50-services.sh starts (pid file svc-<name>)
SERVICES = (
    "auth",
    "graph",
    "post",
    "timeline",
    "timeline-ingest",
    "timeline-store",
    "ranking",
    "engagement",
    "notification",
    "media",
    "lake",
    "training",
)
PAUSED = ("kafka", "cassandra")


@dataclass(frozen=True)
class Fault:
    name: str  # "kill svc-graph", "pause kafka"
    kind: str  # "kill" or "pause"
    process: str  # the pid file's name
    pause_seconds: float = 0.0

    @property
    def component(self) -> str:
        return self.process.removeprefix("svc-")


def full_schedule(pause_seconds: float) -> list[Fault]:
    """Every service process, the gateway, every data-tier component killed in turn; Kafka and Cassandra paused."""
    kills = [f"svc-{s}" for s in SERVICES] + ["gateway", *DATA_TIER]
    faults = [Fault(f"kill {p}", "kill", p) for p in kills]
    faults += [Fault(f"pause {p}", "pause", p, pause_seconds) for p in PAUSED]
    return faults


def _starttime(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(") ", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def pid_of(process: str) -> int | None:
    """The live pid its pid file records, if the process there is still the one recorded (start time)."""
    try:
        pid_text, _, start = (STACK_ROOT / ".run" / "pids" / f"{process}.pid").read_text().strip().partition(" ")
    except OSError:
        return None
    if not pid_text.isdigit():
        return None
    pid = int(pid_text)
    now = _starttime(pid)
    return pid if now is not None and (not start or now == start) else None


def signal_process(process: str, sig: signal.Signals) -> int | None:
    """Sends `sig` to the process's group when it leads one (the stack's daemons do), else to the process alone."""
    pid = pid_of(process)
    if pid is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    return pid


async def _gone(pid: int, within: float = 10.0) -> None:
    with contextlib.suppress(WaitTimeout):
        await wait_until(lambda: _starttime(pid) is None, what=f"pid {pid} gone", within=within, interval=0.05)


async def script(*command: str) -> None:
    """Runs a stack script in the stack's root; its output goes to ours, indented."""
    process = await asyncio.create_subprocess_exec(
        *command, cwd=STACK_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    for line in output.decode(errors="replace").splitlines()[-12:]:
        print(f"    | {line}", flush=True)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")


async def up(attempts: int = 2) -> None:
    """stack/up.sh, once more if it fails (a service restarted while the machine is busy can miss its deadline)."""
    for attempt in range(1, attempts + 1):
        try:
            await script("bash", "stack/up.sh")
            return
        except RuntimeError:
            if attempt == attempts:
                raise


async def restart(fault: Fault) -> None:
    if fault.process in DATA_TIER:
        await script("bash", "stack/ctl.sh", "start", fault.process)
    else:
        await up()


async def inject(fault: Fault) -> tuple[float, float]:
    """Applies the fault and brings the process back; returns (injected, answering again) as time.monotonic()."""
    if fault.kind == "pause":
        injected = time.monotonic()
        if signal_process(fault.process, signal.SIGSTOP) is None:
            raise RuntimeError(f"{fault.process} is not running")
        try:
            await asyncio.sleep(fault.pause_seconds)
        finally:
            signal_process(fault.process, signal.SIGCONT)
        return injected, time.monotonic()
    injected = time.monotonic()
    pid = signal_process(fault.process, signal.SIGKILL)
    if pid is None:
        raise RuntimeError(f"{fault.process} is not running")
    await _gone(pid)
    await restart(fault)
    return injected, time.monotonic()


async def restore_all() -> None:
    """Resumes anything paused and starts whatever is not running."""
    for process in PAUSED:
        signal_process(process, signal.SIGCONT)
    await up()
