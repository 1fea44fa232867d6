"""How full the services' in-process caches were during a soak (bench/soak.py, bench/soak_report.py): at each sample
their gauges (services.common.local_cache_gauges) are read from Prometheus, so that a process whose memory climbs
can be set beside its caches filling towards their caps.

A reading is keyed `<process>/<cache>`, the process named as its pid file is (`svc-timeline`, `svc-engagement`): the
scrape target's `process` label where it has one (the timeline's three processes), else its `service`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

# What a reading holds -> its Prometheus query. Summed by target and cache, so that the key is the same whatever
# other labels a scrape adds.
QUERIES = {
    "entries": "sum by (service, process, cache) (feedmesh_local_cache_entries)",
    "weight": "sum by (service, process, cache) (feedmesh_local_cache_weight)",
    "capacity": "sum by (service, process, cache) (feedmesh_local_cache_capacity)",
}

Readings = Mapping[str, Mapping[str, float]]
"""`<process>/<cache>` -> {"entries", "weight", "capacity"} at one sample (any of them may be missing)."""


def reading_key(labels: Mapping[str, str]) -> str:
    return f"svc-{labels.get('process') or labels.get('service', '?')}/{labels.get('cache', '?')}"


async def instant_query(client: httpx.AsyncClient, prometheus: str, query: str) -> list[dict[str, Any]]:
    """The series an instant query answers now; none when Prometheus does not answer (a missed reading is a gap in
    the soak's series, not a failed run)."""
    try:
        answer = await client.get(f"{prometheus}/api/v1/query", params={"query": query}, timeout=5)
        results: list[dict[str, Any]] = answer.json()["data"]["result"]
    except (httpx.HTTPError, ValueError, KeyError):
        return []
    return results


async def cache_readings(client: httpx.AsyncClient, prometheus: str) -> dict[str, dict[str, float]]:
    readings: dict[str, dict[str, float]] = {}
    for field, query in QUERIES.items():
        for result in await instant_query(client, prometheus, query):
            readings.setdefault(reading_key(result["metric"]), {})[field] = float(result["value"][1])
    return readings


def cache_fill(readings: Sequence[Readings]) -> dict[str, dict[str, Any]]:
    """Per `<process>/<cache>` seen in the samples' `readings` (in order): its entries at the first and last
    sample that read it and at most, its weight and capacity at the last, and how full that is (weight / capacity:
    the capacity bounds the weight, which is the entries for a cache whose entries weigh 1 each). A process
    restarted meanwhile starts again from empty; the memory table counts its restarts."""
    keys = sorted({key for reading in readings for key in reading})
    fill: dict[str, dict[str, Any]] = {}
    for key in keys:
        seen = [reading[key] for reading in readings if "entries" in reading.get(key, {})]
        if not seen:
            continue
        first, last = seen[0], seen[-1]
        capacity = last.get("capacity", 0.0)
        weight = last.get("weight", last["entries"])
        process, _, cache = key.partition("/")
        fill[key] = {
            "process": process,
            "cache": cache,
            "start_entries": first["entries"],
            "end_entries": last["entries"],
            "max_entries": max(r["entries"] for r in seen),
            "end_weight": weight,
            "capacity": capacity,
            "fill_at_end": round(weight / capacity, 4) if capacity else None,
        }
    return fill


def cache_table(fill: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The Markdown table of `cache_fill`, per process and cache; no lines when no cache was read (a run from
    before the gauges existed)."""
    if not fill:
        return []
    lines = [
        "| process | cache | entries start -> end | max entries | weight at end / capacity | full at end |",
        "|---|---|---|---|---|---|",
    ]
    for f in sorted(fill.values(), key=lambda f: (f["process"], f["cache"])):
        full = "?" if f["fill_at_end"] is None else f"{f['fill_at_end']:.1%}"
        lines.append(
            f"| {f['process']} | {f['cache']} | {f['start_entries']:,.0f} -> {f['end_entries']:,.0f} | "
            f"{f['max_entries']:,.0f} | {f['end_weight']:,.0f} / {f['capacity']:,.0f} | {full} |"
        )
    return lines


def fill_series(minutes: Sequence[float], readings: Sequence[Readings]) -> dict[str, tuple[list[float], list[float]]]:
    """Per `<process>/<cache>`: (minutes, weight / capacity) of the samples that read both, for the plot."""
    series: dict[str, tuple[list[float], list[float]]] = {}
    for minute, reading in zip(minutes, readings, strict=True):
        for key, values in reading.items():
            if values.get("capacity") and "weight" in values:
                xs, ys = series.setdefault(key, ([], []))
                xs.append(minute)
                ys.append(values["weight"] / values["capacity"])
    return dict(sorted(series.items()))
