"""The engagement service's anti-abuse parts against the real Redis and PostgreSQL: users of a chosen age with
their keys and rows removed afterwards, the shared Redis connection, a pool, and the shadow-ban migration."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.common.ids import SEQUENCE_BITS, WORKER_BITS, min_id_at
from services.common.redis_mux import RedisMux
from stack import clients
from stack.schema import postgres as pg_schema
from stack.settings import StackSettings

DAY = 86_400


def user_id_aged(seconds: float) -> int:
    """An id issued `seconds` ago, random below the millisecond so each test has users of its own."""
    issued_ms = int((time.time() - seconds) * 1000)
    return min_id_at(issued_ms) | random.getrandbits(WORKER_BITS + SEQUENCE_BITS)


@pytest.fixture
async def users(stack_settings: StackSettings) -> AsyncIterator[list[int]]:
    """Users a test makes (it appends them); their shadow bans are deleted afterwards. Their Redis keys all expire
    within a day (scanning a shared Redis for them would stall everyone else's commands)."""
    made: list[int] = []
    yield made
    conn = await clients.pg_connect(stack_settings)
    try:
        if await conn.fetchval("SELECT to_regclass('engagement.shadow_bans') IS NOT NULL"):
            await conn.execute("DELETE FROM engagement.shadow_bans WHERE user_id = ANY($1)", made)
    finally:
        await conn.close()


@pytest.fixture(scope="package")
async def abuse_schema(stack_settings: StackSettings) -> None:
    """Every migration of this checkout, the shadow bans' among them, applied if it is not yet."""
    conn = await clients.pg_connect(stack_settings)
    try:
        await pg_schema.migrate(conn, pg_schema.migrations())
    finally:
        await conn.close()


@pytest.fixture
async def pg_pool(stack_settings: StackSettings, abuse_schema: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(stack_settings.pg_dsn, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def mux(stack_settings: StackSettings) -> AsyncIterator[RedisMux]:
    client = RedisMux(stack_settings.redis_url)
    yield client
    await client.close()
