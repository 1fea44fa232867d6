"""Background work of one process (cache fills, backfills, next-page warm-ups): at most one task per key, never
awaited by the request that started it, cancelled when the server stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from services.common.deadlines import detached_context

log = logging.getLogger(__name__)


class Background:
    def __init__(self, max_tasks: int = 256):
        self.max_tasks = max_tasks
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def spawn(self, key: str, work: Callable[[], Awaitable[None]]) -> bool:
        """Starts `work()` unless a task with this key is running or too many are; True when started."""
        running = self._tasks.get(key)
        if (running is not None and not running.done()) or len(self._tasks) >= self.max_tasks:
            return False
        # not bounded by the deadline of the request that started it: nobody waits for it
        task = asyncio.create_task(self._guard(key, work), name=f"timeline-bg-{key}", context=detached_context())
        self._tasks[key] = task
        task.add_done_callback(lambda t: self._tasks.pop(key, None) if self._tasks.get(key) is t else None)
        return True

    async def _guard(self, key: str, work: Callable[[], Awaitable[None]]) -> None:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task failed", extra={"task": key})

    async def drain(self) -> None:
        """Waits for every running task (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
