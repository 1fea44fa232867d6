"""The lake's monitoring numbers (the consumer's lag and batch times come from the common runtime:
feedmesh_lake_consumer_lag, _consumer_batch_seconds)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram

from services.common.metric_children import Children


@dataclass(frozen=True)
class _Registered:
    events: Children[Counter]
    files: Children[Counter]
    flush_seconds: Histogram
    buffered: Gauge


@functools.cache
def _registered() -> _Registered:
    """Registered on first use, once per process (tests start several services in one)."""
    return _Registered(
        events=Children(Counter("feedmesh_lake_events_written_total", "Events written to the lake", ["type"])),
        files=Children(Counter("feedmesh_lake_files_written_total", "Parquet parts written", ["type"])),
        flush_seconds=Histogram("feedmesh_lake_flush_seconds", "One flush: plans and parts uploaded"),
        buffered=Gauge("feedmesh_lake_buffered_events", "Events held in memory, waiting for the next flush"),
    )


class PrometheusArchiveMetrics:
    def written(self, event_type: str, events: int, files: int) -> None:
        registered = _registered()
        registered.events.labels(event_type).inc(events)
        registered.files.labels(event_type).inc(files)

    def flushed(self, seconds: float) -> None:
        _registered().flush_seconds.observe(seconds)

    def buffered(self, events: int) -> None:
        _registered().buffered.set(events)
