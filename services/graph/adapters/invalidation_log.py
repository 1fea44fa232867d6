"""The graph cache's invalidation log in PostgreSQL (graph.cache_invalidations, app.invalidations): entries are
written by PgGraphTx.log_invalidation in each change's transaction; this is the side that reads and removes them."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.common.postgres import load_sql


class PgInvalidationLog:
    """Implements app.ports.InvalidationLog."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self.sql = {name: load_sql(__file__, f"invalidations_{name}.sql") for name in ("delete", "older", "users")}

    async def remove(self, entry_ids: Sequence[int]) -> None:
        await self.pool.execute(self.sql["delete"], list(entry_ids))

    async def older_than(self, seconds: float, limit: int) -> list[tuple[int, int]]:
        rows = await self.pool.fetch(self.sql["older"], seconds, limit)
        return [(row["id"], row["user_id"]) for row in rows]

    async def users(self) -> list[int]:
        return [row["user_id"] for row in await self.pool.fetch(self.sql["users"])]
