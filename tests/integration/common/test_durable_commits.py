"""Every service pool commits durably (services/common/postgres.py DURABLE_COMMITS): an acknowledged write must
survive a crash of PostgreSQL, which a server default of `synchronous_commit = off` does not promise (`make chaos`
kills PostgreSQL with SIGKILL and holds the system to every acknowledged write)."""

from __future__ import annotations

from services.common.postgres import create_pool
from stack.settings import StackSettings


async def test_the_pool_commits_durably_whatever_the_server_default(stack_settings: StackSettings) -> None:
    pool = await create_pool(stack_settings["FEEDMESH_PG_DSN"], max_size=2)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
            assert await conn.fetchval("SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit'") == "on"
    finally:
        await pool.close()


async def test_a_pool_may_add_settings_of_its_own_and_keeps_durable_commits(stack_settings: StackSettings) -> None:
    pool = await create_pool(stack_settings["FEEDMESH_PG_DSN"], max_size=1, server_settings={"application_name": "x"})
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
            assert await conn.fetchval("SHOW application_name") == "x"
    finally:
        await pool.close()
