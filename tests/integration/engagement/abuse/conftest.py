"""The engagement service's anti-abuse parts against the real Redis and PostgreSQL, beside the engagement mesh of
the parent package: users of a chosen age (their bans removed afterwards), the shared Redis connection, a pool, and
the admin service of the mesh's engagement server."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2_grpc

from services.common.ids import SEQUENCE_BITS, WORKER_BITS, min_id_at
from services.common.redis_mux import RedisMux
from stack import clients
from stack.settings import StackSettings
from tests.integration.engagement.conftest import Mesh

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


@pytest.fixture
async def pg_pool(stack_settings: StackSettings, engagement_schema: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(stack_settings.pg_dsn, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def mux(stack_settings: StackSettings) -> AsyncIterator[RedisMux]:
    client = RedisMux(stack_settings.redis_url)
    yield client
    await client.close()


@pytest.fixture(scope="package")
def admin_address(mesh: Mesh) -> str:
    """The engagement server's address: it serves EngagementAdminService beside EngagementService."""
    return f"127.0.0.1:{mesh.engagement_server.port}"


@pytest.fixture
async def admin(admin_address: str) -> AsyncIterator[engagement_admin_service_pb2_grpc.EngagementAdminServiceStub]:
    async with grpc.aio.insecure_channel(admin_address) as channel:
        yield engagement_admin_service_pb2_grpc.EngagementAdminServiceStub(channel)
