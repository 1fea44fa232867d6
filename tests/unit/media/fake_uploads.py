"""An in-memory Uploads (services.media.app.ports) with the states and transitions of the SQL in
services/media/adapters/sql, for unit tests of the use cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Row:
    state: str
    created_at: dt.datetime
    swept_at: dt.datetime | None = None


@dataclass
class FakeUploads:
    now: dt.datetime = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    rows: dict[str, Row] = field(default_factory=dict)

    async def record(self, ref: str) -> None:
        self.rows[ref] = Row("pending", self.now)

    async def attach(self, refs: Sequence[str]) -> set[str]:
        attached = set()
        for ref in refs:
            row = self.rows.get(ref)
            if row is None:
                self.rows[ref] = Row("attached", self.now)
            elif row.state not in ("pending", "attached"):
                continue
            else:
                row.state = "attached"
            attached.add(ref)
        return attached

    async def choose_to_sweep(self, created_before: dt.datetime, limit: int) -> list[str]:
        due = [
            (row.created_at, ref)
            for ref, row in self.rows.items()
            if (row.state == "pending" and row.created_at < created_before) or row.state == "sweeping"
        ]
        chosen = [ref for _, ref in sorted(due)[:limit]]
        for ref in chosen:
            self.rows[ref].state = "sweeping"
        return chosen

    async def mark_swept(self, refs: Sequence[str], at: dt.datetime) -> None:
        for ref in refs:
            if self.rows[ref].state == "sweeping":
                self.rows[ref].state, self.rows[ref].swept_at = "swept", at

    async def prune_swept(self, swept_before: dt.datetime) -> int:
        gone = [
            r for r, row in self.rows.items() if row.state == "swept" and row.swept_at and row.swept_at < swept_before
        ]
        for ref in gone:
            del self.rows[ref]
        return len(gone)
