"""Partition maintenance: the month partitions of post.posts are created ahead of time, at start and then
periodically (services.common.periodic; a failed round is tried again the next: the DEFAULT partition still takes
every insert meanwhile), so posts land in their month's partition rather than in the DEFAULT one."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
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
    today: Callable[[], dt.date] = _today

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
