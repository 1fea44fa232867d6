"""Background work on a timer inside a service: `run_periodically` calls an action every `every_seconds` until
`stop` is set, first one interval after it starts; a failure is logged and the next tick tries again.
`start_periodically` runs it as a task for a composition root."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from services.common.server import Closer

log = logging.getLogger(__name__)


async def run_periodically(
    action: Callable[[], Awaitable[object]], every_seconds: float, stop: asyncio.Event, *, what: str
) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
        if stop.is_set():
            return
        try:
            await action()
        except Exception:
            log.exception(f"{what} failed; retrying at the next tick")


def start_periodically(action: Callable[[], Awaitable[object]], every_seconds: float, *, what: str) -> Closer:
    """Starts `run_periodically` as a task; returns its closer (for GrpcServer.add_closer), which cancels a tick in
    progress: periodic work must leave nothing half-done that the next start cannot pick up."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_periodically(action, every_seconds, stop, what=what))

    async def close() -> None:
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return close
