"""The training service's monitoring numbers: scheduled runs by outcome, how long the last took, and the last
judged model's holdout metrics beside recency's."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prometheus_client import Counter, Gauge

from services.common.metric_children import Children
from services.training.app.chain import ChainResult


@dataclass(frozen=True)
class _Registered:
    runs: Children[Counter]
    seconds: Gauge
    holdout: Children[Gauge]


@functools.cache
def _registered() -> _Registered:
    """Registered on first use, once per process (tests start several services in one)."""
    return _Registered(
        runs=Children(Counter("feedmesh_training_runs_total", "Offline chain runs, by outcome", ["outcome"])),
        seconds=Gauge("feedmesh_training_last_run_seconds", "How long the last offline chain run took"),
        holdout=Children(
            Gauge("feedmesh_training_holdout_metric", "The last run's holdout metrics (model and recency)", ["metric"])
        ),
    )


class PrometheusTrainingMetrics:
    def ran(self, result: ChainResult | None, seconds: float) -> None:
        registered = _registered()
        outcome = "failed" if result is None else ("published" if result.version else "refused")
        registered.runs.labels(outcome).inc()
        registered.seconds.set(seconds)
        for name, value in ({} if result is None else result.outcome.metrics()).items():
            registered.holdout.labels(name).set(value)
