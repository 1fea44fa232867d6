"""The media service's uploads in PostgreSQL (schema/postgres/0050_media_uploads.sql); SQL in sql/*.sql."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import asyncpg

from services.common.postgres import load_sql

_INSERT = load_sql(__file__, "insert_upload.sql")
_ATTACH_KNOWN = load_sql(__file__, "attach_known.sql")
_ATTACH_UNRECORDED = load_sql(__file__, "attach_unrecorded.sql")
_CHOOSE = load_sql(__file__, "choose_to_sweep.sql")
_MARK_SWEPT = load_sql(__file__, "mark_swept.sql")
_PRUNE_SWEPT = load_sql(__file__, "prune_swept.sql")


class PgUploads:
    """Implements app.ports.Uploads."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def record(self, ref: str) -> None:
        await self.pool.execute(_INSERT, ref)

    async def attach(self, refs: Sequence[str]) -> set[str]:
        async with self.pool.acquire() as conn, conn.transaction():
            attached = {r["ref"] for r in await conn.fetch(_ATTACH_KNOWN, list(refs))}
            rest = [ref for ref in refs if ref not in attached]
            if rest:
                attached.update(r["ref"] for r in await conn.fetch(_ATTACH_UNRECORDED, rest))
        return attached

    async def choose_to_sweep(self, created_before: dt.datetime, limit: int) -> list[str]:
        return [r["ref"] for r in await self.pool.fetch(_CHOOSE, created_before, limit)]

    async def mark_swept(self, refs: Sequence[str], at: dt.datetime) -> None:
        await self.pool.execute(_MARK_SWEPT, list(refs), at)

    async def prune_swept(self, swept_before: dt.datetime) -> int:
        status = await self.pool.execute(_PRUNE_SWEPT, swept_before)
        return int(status.split()[-1])
