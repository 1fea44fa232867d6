"""The engagement service's anti-abuse parts against the real Redis and PostgreSQL: users of a chosen age with
their keys and rows removed afterwards, the shared Redis connection, a pool, and the shadow-ban migration."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import grpc
import pytest
from feedmesh.engagement.v1 import engagement_admin_service_pb2_grpc

from services.common.ids import SEQUENCE_BITS, WORKER_BITS, min_id_at
from services.common.postgres import create_pool
from services.common.redis_mux import RedisMux
from services.common.server import GrpcServer
from services.engagement.abuse_settings import AbuseSettings
from services.engagement.abuse_wiring import build_anti_abuse
from stack import clients
from stack.schema import postgres as pg_schema
from stack.settings import StackSettings
from tests.integration.harness import start_service

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


@dataclass(frozen=True)
class AdminOnlySettings(AbuseSettings):
    """What the admin service alone needs, until it is served by the engagement process's own wiring."""

    service_name: str = "engagement"
    pg_dsn: str = ""
    redis_url: str = ""


async def build_admin_only(settings: AdminOnlySettings) -> GrpcServer:
    pool = await create_pool(settings.pg_dsn, max_size=4)
    mux = RedisMux(settings.redis_url)
    abuse = build_anti_abuse(settings, pool, mux)
    server = GrpcServer(settings, bindings=[abuse.admin_binding])
    server.add_closer(pool.close)
    server.add_closer(mux.close)
    return server


@pytest.fixture(scope="package")
async def admin_address(stack_settings: StackSettings, abuse_schema: None) -> AsyncIterator[str]:
    """The address of a running EngagementAdminService."""
    server, address = await start_service(build_admin_only, AdminOnlySettings, stack_settings)
    try:
        yield address
    finally:
        await server.stop(grace=0)


@pytest.fixture
async def admin(admin_address: str) -> AsyncIterator[engagement_admin_service_pb2_grpc.EngagementAdminServiceStub]:
    async with grpc.aio.insecure_channel(admin_address) as channel:
        yield engagement_admin_service_pb2_grpc.EngagementAdminServiceStub(channel)
