"""The soak's memory verdicts (bench/soak_report.py): per process the least-squares slope of its memory, judged
after a warm-up, on the floor of each stretch.

- **Warm-up.** A process restarted shortly before the run fills its pools, lazily imported code paths and
  in-process caches under the first minutes of load; that is start-up, not a leak, and says nothing about the
  hours after. The verdict is on the samples from `warmup_minutes` on; the whole run's slope is reported beside it.
- **Floor.** A leak raises the lowest memory of every stretch; work in flight does not (an argon2 hash holds 64 MiB
  while it runs, and a sample that lands on one reads it), so the verdict is on the slope of each stretch's minimum.
- **Stores.** The data tier keeps what the load adds (rows, events, spans, series), so its memory grows with the
  data up to what its configuration allows; it is reported with that bound and judged by it, not by a slope
  (`STORE_BOUNDS`). What a store keeps has a retention of its own (docs/retention.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

# A process whose fitted memory grows faster than this is "growing": a leak of 10 MB an hour fills a gigabyte in
# four days, while a large process (a JVM) is allowed the same share of its size.
GROWING_MB_PER_HOUR = 10.0
GROWING_SHARE_PER_HOUR = 0.02
FLOOR_MINUTES = 5.0
WARMUP_MINUTES = 10.0

# The data tier's processes (pid file names) and what bounds their memory, where it is set.
STORE_BOUNDS = {
    "redis": "maxmemory and its eviction policy (stack/components/redis.sh, docs/retention.md)",
    "postgres": "shared_buffers plus each backend's own (stack/components/postgres.sh)",
    "kafka": "its JVM heap, FEEDMESH_KAFKA_HEAP (Xms = Xmx: pages are counted as the heap first touches them)",
    "cassandra": "its JVM heap, FEEDMESH_CASSANDRA_HEAP (memtables live in it)",
    "zipkin": "its JVM heap (-Xmx, stack/components/zipkin.sh) and FEEDMESH_ZIPKIN_MAX_SPANS",
    "prometheus": "its TSDB head, cut into blocks every two hours (stack/components/prometheus.sh)",
    "s3": "the object store's buffers; objects live on disk",
}


class MemorySample(Protocol):
    minute: float
    rss_mb: dict[str, float]
    pids: dict[str, int]


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope of ys over xs (0 with fewer than two distinct xs)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def floor_points(points: Sequence[tuple[float, float]], minutes: float = FLOOR_MINUTES) -> list[tuple[float, float]]:
    """(hours, MB) points reduced to each `minutes` stretch's lowest memory, at the stretch's middle; a stretch of
    fewer than three samples (the run's tail) joins the one before it."""
    stretches: dict[int, list[tuple[float, float]]] = {}
    for hours, mb in points:
        stretches.setdefault(int(hours * 60 // minutes), []).append((hours, mb))
    parts: list[list[tuple[float, float]]] = []
    for _, part in sorted(stretches.items()):
        if parts and len(part) < 3:
            parts[-1].extend(part)
        else:
            parts.append(part)
    return [((part[0][0] + part[-1][0]) / 2, min(mb for _, mb in part)) for part in parts]


def _judged(points: list[tuple[float, float]], warmup_minutes: float) -> list[tuple[float, float]]:
    """The points after the warm-up, unless that leaves less than two floor stretches (a short run, a process
    restarted late): then all of them."""
    after = [p for p in points if p[0] * 60 >= warmup_minutes]
    return after if len(floor_points(after)) >= 2 else points


def rss_verdicts(samples: Sequence[MemorySample], warmup_minutes: float = 0.0) -> dict[str, dict[str, Any]]:
    """Per process: its memory at the start and end, min and max, the least-squares slope (MB per hour) over the
    whole run and over its second half, the slope of each stretch's floor after the warm-up (floor_points), and the
    verdict: a service "growing" or "flat" by that slope, a store "store" (judged by its bound, STORE_BOUNDS). A
    process restarted during the run (someone else's work on a shared stack) is judged on its longest life."""
    names = sorted({name for s in samples for name in s.rss_mb})
    verdicts: dict[str, dict[str, Any]] = {}
    for name in names:
        lives: dict[int, list[tuple[float, float]]] = {}
        for s in samples:
            if name in s.rss_mb:
                lives.setdefault(s.pids.get(name, 0), []).append((s.minute / 60, s.rss_mb[name]))
        points = max(lives.values(), key=lambda life: life[-1][0] - life[0][0])
        hours, mb = [p[0] for p in points], [p[1] for p in points]
        half = [p for p in points if p[0] >= (hours[0] + hours[-1]) / 2]
        judged = _judged(points, warmup_minutes)
        floor = floor_points(judged)
        floor_slope = slope([p[0] for p in floor], [p[1] for p in floor])
        limit = max(GROWING_MB_PER_HOUR, GROWING_SHARE_PER_HOUR * sum(mb) / len(mb))
        verdict = "store" if name in STORE_BOUNDS else "growing" if floor_slope > limit else "flat"
        verdicts[name] = {
            "start_mb": round(mb[0], 1),
            "end_mb": round(mb[-1], 1),
            "min_mb": round(min(mb), 1),
            "max_mb": round(max(mb), 1),
            "slope_mb_per_hour": round(slope(hours, mb), 1),
            "second_half_slope_mb_per_hour": round(slope([p[0] for p in half], [p[1] for p in half]), 1),
            "floor_slope_mb_per_hour": round(floor_slope, 1),
            "growing_above_mb_per_hour": round(limit, 1),
            "verdict": verdict,
            "bound": STORE_BOUNDS.get(name, ""),
            "samples": len(points),
            "judged_minutes": [round(judged[0][0] * 60, 1), round(judged[-1][0] * 60, 1)],
            "restarts": len(lives) - 1,
        }
    return verdicts
