"""Shadow bans in PostgreSQL (app.abuse_ports.ShadowBanStore; schema/postgres/0041_engagement_shadow_bans.sql).
SQL lives beside this module in sql/*.sql."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from services.common.postgres import UnitOfWork, load_sql
from services.engagement.domain.shadow_bans import ShadowBan

_SQL_NAMES = (
    "shadow_ban_insert",
    "shadow_ban_lift",
    "shadow_ban_get",
    "shadow_ban_get_many",
    "shadow_bans_active_page",
)


def _ban(row: asyncpg.Record) -> ShadowBan:
    return ShadowBan(
        user_id=row["user_id"],
        reason=row["reason"],
        banned_by=row["banned_by"],
        banned_at=row["banned_at"],
        lifted_at=row["lifted_at"],
        lifted_by=row["lifted_by"],
    )


class PgShadowBanStore:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self.uow = UnitOfWork(pool)
        self.sql = {name: load_sql(__file__, f"{name}.sql") for name in _SQL_NAMES}

    async def ban(self, user_id: int, reason: str, operator: str) -> tuple[ShadowBan, bool]:
        async with self.uow() as conn:
            row = await conn.fetchrow(self.sql["shadow_ban_insert"], user_id, reason, operator)
            if row is not None:
                return _ban(row), True
            # A ban was in force (the insert locked its row): it stands as it was.
            return _ban(await conn.fetchrow(self.sql["shadow_ban_get"], user_id)), False

    async def lift(self, user_id: int, operator: str) -> ShadowBan | None:
        row = await self.pool.fetchrow(self.sql["shadow_ban_lift"], user_id, operator)
        return _ban(row) if row is not None else None

    async def get(self, user_id: int) -> ShadowBan | None:
        row = await self.pool.fetchrow(self.sql["shadow_ban_get"], user_id)
        return _ban(row) if row is not None else None

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, ShadowBan]:
        rows = await self.pool.fetch(self.sql["shadow_ban_get_many"], list(user_ids))
        return {row["user_id"]: _ban(row) for row in rows}

    async def active_page(self, after: tuple[datetime, int] | None, limit: int) -> list[ShadowBan]:
        banned_at, user_id = after if after is not None else (None, None)
        rows = await self.pool.fetch(self.sql["shadow_bans_active_page"], banned_at, user_id, limit)
        return [_ban(row) for row in rows]
