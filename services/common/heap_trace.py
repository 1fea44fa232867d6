"""An opt-in heap diagnostic (docs/observability.md, Heap snapshots). With `FEEDMESH_HEAP_TRACE=1` the process starts
tracemalloc keeping `FEEDMESH_HEAP_TRACE_FRAMES` frames per allocation, and each SIGUSR1 writes a snapshot to
`FEEDMESH_HEAP_TRACE_DIR`: the raw snapshot (`.snap`, for `python -m bench.heap_compare`) and a text summary
(`.txt`: RSS, the traced total and the largest allocation sites by traceback). Off by default: nothing is started
and no handler installed, so it costs nothing; on, tracemalloc slows allocation-heavy code by a third or more, so
it is for diagnosing, not for measuring speed.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import linecache
import logging
import os
import signal
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

TOP_SITES = 40


@dataclass(frozen=True)
class HeapSnapshotFiles:
    snapshot: Path
    summary: Path


def rss_bytes() -> int:
    """This process's resident set size (Linux), 0 where /proc is not there."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


def start(frames: int) -> None:
    """Starts tracing allocations (a no-op when already tracing)."""
    if not tracemalloc.is_tracing():
        tracemalloc.start(frames)


@dataclass(frozen=True)
class Collected:
    """What a full collection before the snapshot found: unreachable objects still traced until it ran (reference
    cycles wait for the collector, and a service's thresholds make full collections rare: gc_tuning)."""

    objects: int
    traced_before: int
    traced_after: int
    kinds: list[tuple[str, int]]
    """The most common types among the unreachable objects, with their counts."""


def collect(top: int = 15) -> Collected:
    """A full collection that first keeps what it finds (gc.DEBUG_SAVEALL) to count it by type, then frees it."""
    before, _ = tracemalloc.get_traced_memory()
    kept = len(gc.garbage)
    gc.set_debug(gc.get_debug() | gc.DEBUG_SAVEALL)
    try:
        gc.collect()
    finally:
        gc.set_debug(gc.get_debug() & ~gc.DEBUG_SAVEALL)
    found = gc.garbage[kept:]
    del gc.garbage[kept:]
    kinds = collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in found).most_common(top)
    objects = len(found)
    del found
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    return Collected(objects, before, after, kinds)


def summary(snapshot: tracemalloc.Snapshot, collected: Collected | None = None, *, top: int = TOP_SITES) -> str:
    """RSS, the traced total (before and after the collection, if one ran) and the `top` allocation sites by
    traceback, largest first."""
    traced, peak = tracemalloc.get_traced_memory()
    stats = snapshot.statistics("traceback")
    lines = [f"rss_bytes {rss_bytes()}"]
    if collected is not None:
        lines += [
            f"traced_before_collect_bytes {collected.traced_before}",
            f"traced_after_collect_bytes {collected.traced_after}",
            f"collected_objects {collected.objects}",
            *(f"collected {count} {kind}" for kind, count in collected.kinds),
        ]
    lines += [
        f"traced_bytes {traced}",
        f"traced_peak_bytes {peak}",
        f"tracemalloc_overhead_bytes {tracemalloc.get_tracemalloc_memory()}",
        f"sites {len(stats)}",
        "",
    ]
    for stat in stats[:top]:
        lines.append(f"{stat.size} bytes in {stat.count} blocks")
        lines.extend(f"    {line}" for line in stat.traceback.format())
    return "\n".join(lines) + "\n"


def write_snapshot(
    directory: Path, process: str, snapshot: tracemalloc.Snapshot | None = None, collected: Collected | None = None
) -> HeapSnapshotFiles:
    """Writes both files of `snapshot` (taken now when None), named by process, pid and UTC time. Left out:
    tracemalloc's own allocations and the source lines the summaries read (linecache)."""
    taken = snapshot if snapshot is not None else tracemalloc.take_snapshot()
    kept = taken.filter_traces(
        [
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, linecache.__file__),
            tracemalloc.Filter(False, "<unknown>"),
        ]
    )
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{process}-{os.getpid()}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    files = HeapSnapshotFiles(directory / f"{stem}.snap", directory / f"{stem}.txt")
    kept.dump(str(files.snapshot))
    files.summary.write_text(summary(kept, collected))
    return files


class HeapSnapshots:
    """SIGUSR1's handler: a full collection, so the snapshot holds live objects only (the summary says how much
    was garbage), then the snapshot, both on the event loop (the copy of the traces is one C call); then the
    snapshot is filtered, written and summarised in a worker thread, so the loop keeps serving meanwhile (a large
    heap takes seconds). A signal while one is being written is ignored."""

    def __init__(self, process: str, directory: Path):
        self.process = process
        self.directory = directory
        self.writing: asyncio.Task[HeapSnapshotFiles | None] | None = None

    def on_signal(self) -> None:
        if self.writing is not None and not self.writing.done():
            log.warning("heap snapshot already being written: signal ignored")
            return
        started = time.perf_counter()
        collected = collect()
        snapshot = tracemalloc.take_snapshot()
        self.writing = asyncio.get_running_loop().create_task(self.write(snapshot, collected, started))

    async def write(
        self, snapshot: tracemalloc.Snapshot, collected: Collected, started: float
    ) -> HeapSnapshotFiles | None:
        rss = rss_bytes()
        try:
            files = await asyncio.to_thread(write_snapshot, self.directory, self.process, snapshot, collected)
        except OSError:
            log.exception("heap snapshot not written", extra={"directory": str(self.directory)})
            return None
        log.warning(
            "heap snapshot written",
            extra={
                "snapshot": str(files.snapshot),
                "summary": str(files.summary),
                "rss_bytes": rss,
                "traced_before_collect_bytes": collected.traced_before,
                "traced_bytes": collected.traced_after,
                "collected_objects": collected.objects,
                "seconds": round(time.perf_counter() - started, 2),
            },
        )
        return files


def install(process: str, frames: int, directory: str) -> HeapSnapshots:
    """Starts tracing and has SIGUSR1 write a snapshot. Call from the running event loop."""
    start(frames)
    snapshots = HeapSnapshots(process, Path(directory))
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, snapshots.on_signal)
    log.warning("heap tracing on: SIGUSR1 writes a snapshot", extra={"frames": frames, "directory": directory})
    return snapshots
