"""Helpers of the auth integration tests."""

from __future__ import annotations

import secrets

from feedmesh.auth.v1 import auth_service_pb2 as pb
from feedmesh.auth.v1 import auth_service_pb2_grpc as pb_grpc
from feedmesh.auth.v1 import user_pb2


def unique_handle(prefix: str = "u") -> str:
    """A handle no earlier run used: the database is not wiped between runs."""
    return f"{prefix}_{secrets.token_hex(6)}"


async def register(
    auth: pb_grpc.AuthServiceStub, handle: str | None = None, password: str = "correct horse", **fields: object
) -> user_pb2.User:
    request = pb.CreateUserRequest(handle=unique_handle() if handle is None else handle, password=password, **fields)  # type: ignore[arg-type]
    response: user_pb2.User = await auth.CreateUser(request, timeout=10)
    return response
