"""Partition maintenance: the month partitions of post.posts are created ahead of time, at start and then
periodically, so posts land in their month's partition rather than in the DEFAULT one."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from services.post.app.ports import Conn, Transactions
from services.post.domain.partitions import MonthPartition, partitions_ahead

log = logging.getLogger(__name__)


class PartitionStore(Protocol):
    async def ensure(self, conn: Conn, partition: MonthPartition) -> bool:
        """Creates the partition unless it exists; True when created."""
        ...


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass
class PartitionMaintenance:
    uow: Transactions
    store: PartitionStore
    months_ahead: int
    interval_seconds: float
    today: Callable[[], dt.date] = _today
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    async def run_once(self) -> list[str]:
        """Ensures this month's and the next months' partitions; returns the names created."""
        created = []
        for partition in partitions_ahead(self.today(), self.months_ahead):
            async with self.uow() as conn:
                if await self.store.ensure(conn, partition):
                    created.append(partition.name)
        if created:
            log.info("post partitions created", extra={"partitions": created})
        return created

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            try:
                await self.run_once()
            except Exception:
                # The DEFAULT partition still takes every insert: log, and try again next round.
                log.exception("post partition maintenance failed")

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="post-partition-maintenance")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
