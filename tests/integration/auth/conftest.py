"""The auth service started in-process on port 0 against the real PostgreSQL, with its key ring in a tmp dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from feedmesh.auth.internal.v1 import auth_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.auth.v1 import auth_service_pb2_grpc as pb_grpc

from services.auth.settings import AuthSettings
from services.auth.wiring import build
from stack import clients
from stack.schema import postgres as pg_schema
from stack.settings import StackSettings
from tests.integration.harness import start_service


@pytest.fixture(scope="session")
async def auth_schema(stack_settings: StackSettings) -> None:
    """The shared and auth migrations (0001-0019), applied if they are not yet (a no-op when they are)."""
    wanted = [p for p in pg_schema.migrations() if int(p.name[:4]) < 20]
    conn = await clients.pg_connect(stack_settings)
    try:
        await pg_schema.migrate(conn, wanted)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jwt")


@pytest.fixture(scope="module")
async def auth_address(stack_settings: StackSettings, auth_schema: None, key_dir: Path) -> AsyncIterator[str]:
    server, address = await start_service(
        build, AuthSettings, stack_settings, auth_key_dir=str(key_dir), auth_key_activation_seconds=0
    )
    yield address
    await server.stop(grace=0)


@pytest.fixture
async def auth(auth_address: str) -> AsyncIterator[pb_grpc.AuthServiceStub]:
    async with grpc.aio.insecure_channel(auth_address) as channel:
        yield pb_grpc.AuthServiceStub(channel)


@pytest.fixture
async def auth_internal(auth_address: str) -> AsyncIterator[internal_pb_grpc.AuthInternalServiceStub]:
    async with grpc.aio.insecure_channel(auth_address) as channel:
        yield internal_pb_grpc.AuthInternalServiceStub(channel)
