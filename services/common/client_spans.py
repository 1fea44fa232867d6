"""Client spans around the data stores' calls (Redis, PostgreSQL, Cassandra), made in our shared helpers:
`redis_mux.RedisMux`, `postgres.create_pool` and `cassandra.CassandraRunner`. OpenTelemetry's own instrumentation
packages for asyncpg, redis and cassandra-driver pin an older API than ours, and wrap every call; here a call whose
trace is not sampled costs one check of the current span, nothing more.
"""

from __future__ import annotations

import contextlib
import time
from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import trace

_tracer = trace.get_tracer("feedmesh.clients")
_MAX_STATEMENT = 300  # characters of a statement kept on its span
_NOTHING = contextlib.nullcontext()


def operation_of(statement: str) -> str:
    """The first word of a statement or command past its comment lines, upper case ("SELECT", "EVALSHA")."""
    for line in statement.splitlines():
        words = line.split(None, 1)
        if words and not words[0].startswith("--"):
            return words[0].upper()
    return "QUERY"


def statement_text(statement: Any) -> str:
    """A statement's text: a string or bytes (a Redis command's name), or a cassandra-driver statement (simple,
    prepared, bound; a batch is "BATCH")."""
    if isinstance(statement, bytes):
        return statement.decode(errors="replace")
    if isinstance(statement, str):
        return statement
    prepared = getattr(statement, "prepared_statement", None)
    text = getattr(prepared or statement, "query_string", None)
    return text if isinstance(text, str) else "BATCH"


def client_span(system: str, statement: Any, batch_size: int = 1) -> AbstractContextManager[Any]:
    """A CLIENT span named `<system> <operation>` around a `with` block, when the current trace is sampled (the
    statement's text is only looked at then); `batch_size`: commands sent together, the first one named. Otherwise
    a shared do-nothing context: a data-store call of an unsampled request pays one look at the current span."""
    if not trace.get_current_span().is_recording():
        return _NOTHING
    text = statement_text(statement)
    attributes: dict[str, Any] = {
        "db.system.name": system,
        "peer.service": system,
        "db.query.text": text[:_MAX_STATEMENT],
    }
    if batch_size > 1:
        attributes["db.operation.batch.size"] = batch_size
    return _tracer.start_as_current_span(
        f"{system} {operation_of(text)}", kind=trace.SpanKind.CLIENT, attributes=attributes
    )


def record_query(record: Any) -> None:
    """An asyncpg query logger (`Connection.add_query_logger`): asyncpg calls it just after a query, in the
    caller's context, with the query and how long it took; the span is made afterwards, with the query's times."""
    if not trace.get_current_span().is_recording():
        return
    end = time.time_ns()
    span = _tracer.start_span(
        f"postgresql {operation_of(record.query)}",
        kind=trace.SpanKind.CLIENT,
        start_time=end - int(record.elapsed * 1e9),
        attributes={
            "db.system.name": "postgresql",
            "peer.service": "postgresql",
            "db.query.text": record.query[:_MAX_STATEMENT],
        },
    )
    if record.exception is not None:
        span.set_status(trace.StatusCode.ERROR, type(record.exception).__name__)
    span.end(end_time=end)
