"""Which exceptions mean a backend is out rather than a bug: the one list the instrumentation maps to UNAVAILABLE.

An adapter may still catch its driver's errors to degrade (a cache miss, a chronological page); what it lets
through is classified here, following the exception's causes, so that a stopped Redis, PostgreSQL, Cassandra,
Kafka or object store answers UNAVAILABLE (HTTP 503 with Retry-After) and never INTERNAL.
"""

from __future__ import annotations

import asyncpg
import botocore.exceptions
import cassandra
import cassandra.cluster
import cassandra.connection
import kafka.errors
import redis.exceptions

from services.common.errors import Unavailable
from services.common.kafka import KafkaPublishError
from services.common.redis_mux import RedisMuxError, RedisReplyError

# Seconds a client is asked to wait before retrying an unavailable call (the Retry-After header).
RETRY_AFTER_SECONDS = 2

_BY_REASON: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("REDIS_UNAVAILABLE", (RedisMuxError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)),
    (
        "DATABASE_UNAVAILABLE",
        (
            asyncpg.PostgresConnectionError,
            asyncpg.CannotConnectNowError,
            asyncpg.AdminShutdownError,
            asyncpg.CrashShutdownError,
            asyncpg.TooManyConnectionsError,
        ),
    ),
    (
        "CASSANDRA_UNAVAILABLE",
        (
            cassandra.cluster.NoHostAvailable,
            cassandra.OperationTimedOut,
            cassandra.Unavailable,
            cassandra.Timeout,
            cassandra.connection.ConnectionException,
        ),
    ),
    ("OBJECT_STORE_UNAVAILABLE", (botocore.exceptions.HTTPClientError, botocore.exceptions.ConnectionError)),
    ("KAFKA_UNAVAILABLE", (KafkaPublishError, kafka.errors.KafkaConnectionError, kafka.errors.KafkaTimeoutError)),
    # a socket refused or reset, or a wait that ran out, below any driver that does not wrap it
    ("DEPENDENCY_UNAVAILABLE", (ConnectionError, TimeoutError)),
)


def _own_reason(exc: BaseException) -> str | None:
    if isinstance(exc, Unavailable):
        return exc.reason
    if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
        return "DATABASE_UNAVAILABLE"  # "connection is closed": the server went away mid-request
    if isinstance(exc, RedisReplyError) and str(exc).startswith("LOADING"):
        return "REDIS_UNAVAILABLE"  # a restarted Redis replaying its append-only file refuses commands meanwhile
    for reason, kinds in _BY_REASON:
        if isinstance(exc, kinds):
            return reason
    return None


def outage_reason(exc: BaseException) -> str | None:
    """The ErrorInfo reason when `exc`, or an exception it was raised from or while handling, is a backend that
    does not answer; None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _own_reason(current)
        if reason is not None:
            return reason
        current = current.__cause__ or current.__context__
    return None
