"""Which exceptions are a backend outage (UNAVAILABLE) and which are bugs (INTERNAL)."""

from __future__ import annotations

import asyncpg
import botocore.exceptions
import cassandra
import cassandra.cluster
import kafka.errors
import pytest
import redis.exceptions

from services.common.errors import InvalidArgument, Unavailable
from services.common.kafka import KafkaPublishError
from services.common.outages import outage_reason
from services.common.redis_mux import RedisMuxError, RedisReplyError


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (redis.exceptions.ConnectionError("Connection refused"), "REDIS_UNAVAILABLE"),
        (redis.exceptions.BusyLoadingError("LOADING"), "REDIS_UNAVAILABLE"),
        (redis.exceptions.TimeoutError("Timeout reading"), "REDIS_UNAVAILABLE"),
        (RedisMuxError("Redis connection lost"), "REDIS_UNAVAILABLE"),
        (RedisReplyError("LOADING Redis is loading the dataset in memory"), "REDIS_UNAVAILABLE"),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), "DATABASE_UNAVAILABLE"),
        (asyncpg.CannotConnectNowError("the database system is starting up"), "DATABASE_UNAVAILABLE"),
        (asyncpg.AdminShutdownError("terminating connection"), "DATABASE_UNAVAILABLE"),
        (asyncpg.InterfaceError("connection is closed"), "DATABASE_UNAVAILABLE"),
        (cassandra.cluster.NoHostAvailable("Unable to connect", {}), "CASSANDRA_UNAVAILABLE"),
        (cassandra.OperationTimedOut("timed out"), "CASSANDRA_UNAVAILABLE"),
        (cassandra.ReadTimeout("read timeout"), "CASSANDRA_UNAVAILABLE"),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:7070"), "OBJECT_STORE_UNAVAILABLE"),
        (
            botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1:7070", error="read"),
            "OBJECT_STORE_UNAVAILABLE",
        ),
        (KafkaPublishError("no broker"), "KAFKA_UNAVAILABLE"),
        (kafka.errors.KafkaTimeoutError("metadata"), "KAFKA_UNAVAILABLE"),
        (ConnectionRefusedError(111, "Connection refused"), "DEPENDENCY_UNAVAILABLE"),
        (TimeoutError(), "DEPENDENCY_UNAVAILABLE"),
        (Unavailable("down", reason="RANKING_UNAVAILABLE"), "RANKING_UNAVAILABLE"),
    ],
)
def test_driver_connection_errors_are_outages(exc: BaseException, reason: str) -> None:
    assert outage_reason(exc) == reason


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad"),
        KeyError("x"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        redis.exceptions.ResponseError("WRONGTYPE"),
        RedisReplyError("ERR wrong number of arguments"),
        InvalidArgument("bad"),
    ],
)
def test_bugs_and_refusals_are_not(exc: BaseException) -> None:
    assert outage_reason(exc) is None


def test_an_outage_behind_a_wrapping_exception_is_found() -> None:
    try:
        try:
            raise redis.exceptions.ConnectionError("refused")
        except redis.exceptions.ConnectionError as exc:
            raise RuntimeError("could not read the home timeline") from exc
    except RuntimeError as wrapped:
        assert outage_reason(wrapped) == "REDIS_UNAVAILABLE"


def test_a_bug_raised_while_handling_an_outage_is_still_the_outage() -> None:
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("closed")
        except asyncpg.PostgresError:
            raise KeyError("fallback") from None
    except KeyError as exc:
        # `from None` hides the context from tracebacks, but the outage is what happened
        assert outage_reason(exc) == "DATABASE_UNAVAILABLE"
