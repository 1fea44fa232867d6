"""The offline chain as the training service runs it on its timer (services.common.periodic.PeriodicTask: first one
interval after the start, so a stack that just started is not trained on nothing), with its progress logged and its
outcome counted."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from services.training.app.chain import ChainResult, OfflineChain

log = logging.getLogger(__name__)


class RunMetrics(Protocol):
    def ran(self, result: ChainResult | None, seconds: float) -> None:
        """A run ended: its result, or None when it failed."""


class LoggedProgress:
    """Progress as log lines (the CLI shows it on the terminal instead)."""

    def __init__(self) -> None:
        self.current = ""

    def step(self, name: str) -> None:
        self.current = name

    def done(self, detail: str) -> None:
        log.info("training step done", extra={"step": self.current, "detail": detail})


async def run_once(chain: OfflineChain, metrics: RunMetrics) -> None:
    started = time.perf_counter()
    try:
        result = await chain.run(LoggedProgress())
    except Exception:
        metrics.ran(None, time.perf_counter() - started)
        raise  # logged by the timer, which tries again at the next tick
    metrics.ran(result, time.perf_counter() - started)
    log.info("training run", extra={"run": result.run_id, "published": result.version or "refused"})
