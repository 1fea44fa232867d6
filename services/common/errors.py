"""Domain errors: what went wrong, in terms a caller can act on.

Domain and application code raise these; the error interceptor (`services.common.interceptors`) is the one place
that turns them into canonical gRPC statuses. Each carries a machine-readable `reason` (UPPER_SNAKE_CASE, stable,
sent as google.rpc.ErrorInfo) and a human message that is safe to show a client.
"""

from __future__ import annotations

import grpc


class DomainError(Exception):
    """Base of every error a caller is meant to see. Subclasses fix the gRPC status code."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"

    def __init__(self, message: str, *, reason: str | None = None, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = dict(metadata or {})


class InvalidArgument(DomainError):
    """The request is malformed or breaks a rule: HTTP 400."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"


class Unauthenticated(DomainError):
    """No caller identity, or wrong credentials: HTTP 401."""

    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    """The caller is known but may not do this: HTTP 403."""

    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class NotFound(DomainError):
    """The resource does not exist, or the caller may not know it does: HTTP 404."""

    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    """The resource to create already exists: HTTP 409."""

    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    """The system is not in a state that allows this: HTTP 400."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class ResourceExhausted(DomainError):
    """A quota or rate limit is used up: HTTP 429."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Unavailable(DomainError):
    """A dependency is down; retrying later may work: HTTP 503."""

    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"
