"""Compacting the lake's closed hours (domain/compaction.py) and dropping the hours past the retention
(domain/retention.py), on a timer in the lake service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.common.lake_layout import EVENTS_PREFIX
from services.lake.app.ports import LakeStore
from services.lake.domain.compaction import hours_to_compact, merge
from services.lake.domain.retention import expired

log = logging.getLogger(__name__)


@dataclass
class Compactor:
    store: LakeStore
    grace: timedelta = timedelta(minutes=10)
    retention: timedelta | None = None
    """How long events are kept (None: for ever)."""

    async def upkeep(self, now: datetime | None = None) -> int:
        """One pass of the timer: the hours past the retention go, then closed hours are compacted."""
        await self.expire(now)
        return await self.compact(now)

    async def expire(self, now: datetime | None = None) -> int:
        """Deletes the files of every hour past the retention; returns how many files went."""
        if self.retention is None:
            return 0
        old = expired(await self.store.list_keys(EVENTS_PREFIX), now or datetime.now(UTC), self.retention)
        if old:
            await self.store.delete(old)
            log.info("expired", extra={"files": len(old), "oldest": old[0]})
        return len(old)

    async def compact(self, now: datetime | None = None) -> int:
        """Compacts every closed hour that has parts; returns how many hours it compacted."""
        keys = await self.store.list_keys(EVENTS_PREFIX)
        due = hours_to_compact(keys, now or datetime.now(UTC), self.grace)
        for hour in due:
            tables = [await self.store.read_table(key) for key in hour.keys]
            await self.store.put_table(hour.compacted_key, merge(hour.where.event_type, tables))
            await self.store.delete(hour.parts)
            log.info("compacted", extra={"hour": hour.where.path, "files": len(hour.keys)})
        return len(due)
