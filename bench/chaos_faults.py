"""The faults of `make chaos`, on the running stack: SIGKILL of a process (its whole process group: the stack starts
each in a session of its own, so PostgreSQL's backends die with the postmaster) and its restart with the stack's own
scripts, or a SIGSTOP pause and SIGCONT of a process. The processes are found by their pid files
(`.run/pids/<name>.pid`, "PID STARTTIME", as stack/lib.sh writes them) under the stack's root: this checkout, or
FEEDMESH_STACK_ROOT when the stack runs from another one.

Restarts: a data-tier component with `bash stack/ctl.sh start <component>` (returns once it answers), a service
process or the gateway with `bash stack/up.sh` (starts whatever is not running, then waits until it is SERVING).
When others run their own code on the stack (a process whose PYTHONPATH names another checkout), the process is
brought back with the code it ran: `bash stack/restart-service.sh <process> <checkout>`.
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
from bench.stack_ctl import SERVICE_PROCESSES
from services.common.polling import WaitTimeout, wait_until

STACK_ROOT = Path(os.environ.get("FEEDMESH_STACK_ROOT") or ROOT)
DATA_TIER = ("redis", "postgres", "kafka", "cassandra", "s3")
# the cluster topology's members restarted like the first nodes (stack/components/cluster.sh)
CLUSTER_MEMBERS = ("kafka-2", "kafka-3", "cassandra-2", "cassandra-3", "redis-replica", "ratelimit")
SERVICES = SERVICE_PROCESSES
PAUSED = ("kafka", "cassandra")


@dataclass(frozen=True)
class Fault:
    name: str  # "kill svc-graph", "pause kafka"
    kind: str  # "kill", "pause", or "failover" (a kill brought back once the sentinels promoted the replica)
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


def cluster_schedule() -> list[Fault]:
    """The cluster topology (docs/cluster.md): one Kafka broker, one Cassandra node, the Redis primary (restarted only
    once the sentinels promoted its replica, so the load runs on the new primary first), one replica of each service
    process and one gateway replica (the load goes through the first, which routes to both service replicas)."""
    faults = [Fault("kill kafka-2", "kill", "kafka-2"), Fault("kill cassandra-2", "kill", "cassandra-2")]
    faults.append(Fault("kill redis primary", "failover", "redis"))
    faults += [Fault(f"kill svc-{s}-2", "kill", f"svc-{s}-2") for s in SERVICES]
    return faults


async def _promoted(within: float = 30.0) -> None:
    """Until the sentinels name another primary than the first Redis node (the one killed)."""
    from services.common.redis_sentinel import SentinelTarget, parse_hosts
    from stack.settings import load_settings

    s = load_settings()
    old = ("127.0.0.1", int(s["FEEDMESH_REDIS_PORT"]))
    sentinels = tuple(e for e in s["FEEDMESH_REDIS_SENTINELS"].split(",") if e)
    target = SentinelTarget(tuple(parse_hosts(sentinels)), s["FEEDMESH_REDIS_SENTINEL_MASTER"])

    async def moved() -> bool:
        try:
            return await target.primary(wait_seconds=0.5) != old
        except ConnectionError:
            return False

    await wait_until(moved, what="the sentinels promote the replica", within=within, interval=0.2)


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
    """Until the process is reaped, not only dead: PostgreSQL refuses to start while the pid in its lock file
    exists, and a killed postmaster stays a zombie until init collects it."""
    with contextlib.suppress(WaitTimeout):
        await wait_until(
            lambda: not Path(f"/proc/{pid}").exists(), what=f"pid {pid} reaped", within=within, interval=0.05
        )


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


def origin_of(pid: int) -> Path | None:
    """The checkout a service process or the gateway was started from: the one its PYTHONPATH names first."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for entry in environ:
        if entry.startswith(b"PYTHONPATH="):
            first = entry.removeprefix(b"PYTHONPATH=").decode(errors="replace").split(":")[0]
            return Path(first).parent if first.endswith("/gen") else Path(first)
    return None


class Injector:
    """Applies faults and brings the processes back, each with the code it ran before (see the module doc)."""

    def __init__(self) -> None:
        self.origins: dict[str, Path] = {}  # process -> checkout, for those not run from STACK_ROOT

    async def restart(self, process: str) -> None:
        if process in DATA_TIER or process in CLUSTER_MEMBERS:
            try:
                await script("bash", "stack/ctl.sh", "start", process)
            except RuntimeError:  # once more: a start can trip over what the killed process left for a moment
                await asyncio.sleep(2)
                await script("bash", "stack/ctl.sh", "start", process)
        elif process in self.origins:
            await script("bash", "stack/restart-service.sh", process, str(self.origins[process]))
        else:
            await up()

    async def inject(self, fault: Fault) -> tuple[float, float]:
        """Applies the fault and brings the process back; returns (injected, answering again) as time.monotonic()."""
        pid = pid_of(fault.process)
        if pid is None:
            raise RuntimeError(f"{fault.process} is not running")
        origin = origin_of(pid)
        if origin is not None and origin != STACK_ROOT:
            self.origins[fault.process] = origin
        injected = time.monotonic()
        if fault.kind == "pause":
            signal_process(fault.process, signal.SIGSTOP)
            try:
                await asyncio.sleep(fault.pause_seconds)
            finally:
                signal_process(fault.process, signal.SIGCONT)
            return injected, time.monotonic()
        signal_process(fault.process, signal.SIGKILL)
        await _gone(pid)
        if fault.kind == "failover":
            await _promoted()
        await self.restart(fault.process)
        return injected, time.monotonic()

    async def restore_all(self) -> None:
        """Resumes anything paused, brings back with its own code each process this run killed that is not
        running, then starts whatever else is not running."""
        for process in PAUSED:
            signal_process(process, signal.SIGCONT)
        for process in self.origins:
            if pid_of(process) is None:
                await self.restart(process)
        await up()
