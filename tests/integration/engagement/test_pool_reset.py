"""The engagement pool skips asyncpg's reset statement only after ordered writes (which leave nothing on the
session): a session that took a row's lock (Database.exclusive) is reset as ever, so the lock is released with it."""

from __future__ import annotations

from typing import Any

from services.common import postgres
from services.engagement.adapters.postgres import PgDatabase, PooledConnection, lock_key, reset_unless_clean
from services.engagement.domain.model import CounterKind
from stack.settings import StackSettings


async def test_only_ordered_sessions_skip_the_reset(stack_settings: StackSettings, pg_conn: Any) -> None:
    pool = await postgres.create_pool(
        stack_settings.pg_dsn, min_size=1, max_size=1, connection_class=PooledConnection, reset=reset_unless_clean
    )
    db = PgDatabase(pool)
    try:
        async with db.ordered() as session:  # a setting left on purpose: not reset, it stays
            await session.conn.execute("SET application_name = 'ordered'")
        async with db.reads() as conn:
            assert await conn.fetchval("SHOW application_name") == "ordered"
        assert await pg_conn.fetchval("SHOW application_name") != "ordered"

        key = lock_key(CounterKind.COMMENTS, 1, 2)
        async with db.exclusive(CounterKind.COMMENTS, 1, 2):
            assert not await pg_conn.fetchval("SELECT pg_try_advisory_lock($1)", key)
        assert await pg_conn.fetchval("SELECT pg_try_advisory_lock($1)", key)  # released with the session's reset
        await pg_conn.execute("SELECT pg_advisory_unlock($1)", key)
        async with db.reads() as conn:
            assert await conn.fetchval("SHOW application_name") != "ordered"  # and the setting went with it
    finally:
        await pool.close()
