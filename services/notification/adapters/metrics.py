"""The notification service's monitoring numbers (the consumer's lag and batch times come from the common
runtime: feedmesh_notification_consumer_lag, _consumer_batch_seconds)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prometheus_client import Counter, Histogram

from services.common.metric_children import Children
from services.notification.domain.model import DropRule, Kind

# Around the one-second target of the event-to-visible delay.
_DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300)
# A stage is a share of that second: fine from a few milliseconds up.
_STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2, 5, 10)


@dataclass(frozen=True)
class _Registered:
    delay: Histogram
    written: Children[Counter]
    dropped: Children[Counter]
    removed: Children[Counter]
    stages: Children[Histogram]


@functools.cache
def _registered() -> _Registered:
    """Registered on first use, once per process (tests start several services in one)."""
    return _Registered(
        delay=Histogram(
            "feedmesh_notification_event_to_visible_seconds",
            "From the event's commit to its notification being listed and counted unread",
            buckets=_DELAY_BUCKETS,
        ),
        written=Children(Counter("feedmesh_notification_written_total", "Notifications written, by kind", ["kind"])),
        dropped=Children(
            Counter("feedmesh_notification_dropped_total", "Notifications an event asked for and did not get", ["rule"])
        ),
        removed=Children(
            Counter(
                "feedmesh_notification_removed_total",
                "Notifications taken away, by cause (like, follow, request, post, comment, pair)",
                ["cause"],
            )
        ),
        stages=Children(
            Histogram(
                "feedmesh_notification_ingest_stage_seconds",
                "Time of one stage of applying a consumed batch (queued: its oldest event's commit to the batch's "
                "start; up to visible: lookups, removals, read, visible; after: sources, ordered, write, confirm, "
                "publish): where the event-to-visible delay goes",
                ["stage"],
                buckets=_STAGE_BUCKETS,
            )
        ),
    )


class PrometheusIngestMetrics:
    def __init__(self) -> None:
        self.registered = _registered()

    def written(self, kind: Kind, delay_seconds: float) -> None:
        self.registered.written.labels(kind.name).inc()
        self.registered.delay.observe(delay_seconds)

    def dropped(self, rule: DropRule, count: int = 1) -> None:
        self.registered.dropped.labels(rule.value).inc(count)

    def removed(self, cause: str, count: int) -> None:
        self.registered.removed.labels(cause).inc(count)

    def stage(self, name: str, seconds: float) -> None:
        self.registered.stages.labels(name).observe(seconds)
