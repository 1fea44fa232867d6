"""Work a service repeats on a timer in the background (partition upkeep, pruning): one task, every
`interval_seconds` after the previous round ended; a round that fails is logged and the next one tries again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class PeriodicTask:
    def __init__(self, name: str, work: Callable[[], Awaitable[object]], interval_seconds: float):
        self.name = name
        self.work = work
        self.interval_seconds = interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            try:
                await self.work()
            except Exception:
                log.exception("periodic work failed; trying again next round", extra={"task": self.name})

    def start(self) -> PeriodicTask:
        self._task = asyncio.create_task(self._loop(), name=self.name)
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
