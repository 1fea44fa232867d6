"""The sweep of home timelines of readers gone (domain/home_retention.py): run on a timer by the process of the
durable fanout. It pages through the readers that have home rows in Cassandra, asks Redis which are active, and
drops every row of the others."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter

from services.timeline.domain.home_retention import deletion_timestamp_us, droppable

log = logging.getLogger(__name__)

SWEPT_READERS = Counter(
    "feedmesh_timeline_home_swept_readers_total", "Inactive readers whose home timeline rows the sweep dropped"
)
SCANNED_READERS = Counter("feedmesh_timeline_home_sweep_scanned_total", "Readers with home rows the sweep looked at")


class HomeRows(Protocol):
    def owners(self, page_size: int) -> AsyncIterator[list[int]]:
        """Every reader with home rows, a page at a time."""
        ...

    async def drop(self, owners: Sequence[int], written_before_us: int) -> None:
        """Deletes these readers' home rows (and bucket index) written before the given write time."""
        ...


class Activity(Protocol):
    async def active_readers(self, user_ids: Sequence[int]) -> list[bool]: ...


@dataclass
class HomeSweep:
    rows: HomeRows
    readers: Activity
    page_size: int = 500
    clock: Callable[[], float] = time.time

    async def run_once(self) -> int:
        """Drops the home rows of every reader inactive now; how many readers."""
        dropped = 0
        async for owners in self.rows.owners(self.page_size):
            checked_at = self.clock()  # before the check: a write after a reader's return is newer
            idle = droppable(owners, await self.readers.active_readers(owners))
            if idle:
                await self.rows.drop(idle, deletion_timestamp_us(checked_at))
            SCANNED_READERS.inc(len(owners))
            SWEPT_READERS.inc(len(idle))
            dropped += len(idle)
        if dropped:
            log.info("home timelines of inactive readers dropped", extra={"readers": dropped})
        return dropped
