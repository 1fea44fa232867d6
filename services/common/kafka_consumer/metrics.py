"""The consumer runtime's monitoring numbers. One definition serves every service, each under its own names
(`feedmesh_<service>_consumer_lag`, ...): the timeline's are the names its dashboards already read, and a service's
metrics all start with its name, as the rest of each service's do."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram

from services.common.metric_children import Children

# Fine around half a second (the feed's freshness target), so a batch's share of it can be read off the buckets.
_BATCH_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 300)


@dataclass(frozen=True)
class ConsumerMetrics:
    batches: Children[Histogram]
    """Seconds to handle one polled batch, by group."""
    failed_batches: Children[Counter]
    """Batches whose handler failed (retried partition by partition, then held back), by group."""
    lag: Gauge
    """Messages not yet processed, by group and member."""
    dead_letters: Counter
    """Events set aside on the dead-letter topic, by group."""


@functools.cache
def consumer_metrics(service: str) -> ConsumerMetrics:
    """The service's consumer metrics, registered on first use (once per process: tests run several services in
    one)."""
    prefix = "feedmesh_" + re.sub(r"\W", "_", service)
    return ConsumerMetrics(
        batches=Children(
            Histogram(
                f"{prefix}_consumer_batch_seconds",
                "Time to handle one polled batch, per consumer group: the next batch is polled after it",
                ["group"],
                buckets=_BATCH_BUCKETS,
            )
        ),
        failed_batches=Children(
            Counter(
                f"{prefix}_consumer_batch_failures_total",
                "Polled batches whose handler failed, per consumer group: their events are retried, not lost",
                ["group"],
            )
        ),
        lag=Gauge(
            f"{prefix}_consumer_lag",
            "Messages not yet processed per consumer group member (for a fanout group: its backlog)",
            ["group", "member"],
        ),
        dead_letters=Counter(
            f"{prefix}_dead_letters_total",
            "Events set aside on the dead-letter topic after failing on their own while other events passed",
            ["group"],
        ),
    )
