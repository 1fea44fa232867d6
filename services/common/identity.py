"""Who is calling. The gateway verifies the JWT and passes its `sub` as this metadata key; it strips any value a
client sent, so services may trust it. Internal callers set it when they act for a user."""

from __future__ import annotations

import grpc

from services.common.errors import Unauthenticated

USER_ID_HEADER = "x-feedmesh-user-id"
# Ids are int64 (snowflakes): a larger number would fail later, in a proto field or a SQL parameter, as INTERNAL.
MAX_USER_ID = 2**63 - 1


def caller_id(context: grpc.aio.ServicerContext) -> int:
    """The authenticated caller's user id, or UNAUTHENTICATED."""
    for key, value in context.invocation_metadata() or ():
        if key == USER_ID_HEADER:
            raw = value.decode() if isinstance(value, bytes) else value
            try:
                user_id = int(raw)
            except ValueError:
                break
            if 0 < user_id <= MAX_USER_ID:
                return user_id
            break
    raise Unauthenticated("no authenticated caller", reason="CALLER_UNKNOWN")


def metadata_value(context: grpc.aio.ServicerContext, key: str) -> str | None:
    """A single metadata value as text, or None."""
    for k, value in context.invocation_metadata() or ():
        if k == key:
            return value.decode() if isinstance(value, bytes) else value
    return None
