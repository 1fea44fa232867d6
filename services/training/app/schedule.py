"""The offline chain as the training service runs it on its timer (services.common.periodic: first one interval after
the start, so a stack that just started is not trained on nothing), with its progress logged."""

from __future__ import annotations

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


async def run_once(chain: OfflineChain) -> None:
    result = await chain.run(LoggedProgress())
    log.info("training run", extra={"run": result.run_id, "published": result.version or "refused"})
