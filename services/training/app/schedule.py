"""The offline chain on a timer inside the stack (the training service): every `every_seconds`, first after one
interval, so a stack that just started is not trained on nothing. A failed run is logged and the next one tries."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.training.app.chain import OfflineChain

log = logging.getLogger(__name__)


class LoggedProgress:
    """Progress as log lines (the CLI shows it on the terminal instead)."""

    def __init__(self) -> None:
        self.current = ""

    def step(self, name: str) -> None:
        self.current = name

    def done(self, detail: str) -> None:
        log.info("training step done", extra={"step": self.current, "detail": detail})


async def run_every(chain: OfflineChain, every_seconds: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
        if stop.is_set():
            return
        try:
            result = await chain.run(LoggedProgress())
            log.info("training run", extra={"run": result.run_id, "published": result.version or "refused"})
        except Exception:
            log.exception("training run failed; the next one is in the schedule")
