"""Client spans around data-store calls: made only inside a sampled trace, named after the operation."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

from services.common import client_spans
from services.common.client_spans import client_span, operation_of, record_query, statement_text


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_ON)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(client_spans, "_tracer", provider.get_tracer("test"))
    yield provider, exporter
    provider.shutdown()


def test_statement_texts_and_operations() -> None:
    bound = SimpleNamespace(prepared_statement=SimpleNamespace(query_string="select * from home_timeline"))
    assert statement_text(b"EVALSHA") == "EVALSHA"
    assert statement_text(bound) == "select * from home_timeline"
    assert statement_text(SimpleNamespace(query_string="INSERT INTO t")) == "INSERT INTO t"
    assert statement_text(object()) == "BATCH"
    assert operation_of("  select 1") == "SELECT"
    assert operation_of("-- why it is so\n\n  WITH x AS (SELECT 1) SELECT * FROM x") == "WITH"
    assert operation_of("") == "QUERY"


def test_a_sampled_call_gets_a_client_span_under_its_caller(exported) -> None:
    provider, exporter = exported
    with provider.get_tracer("t").start_as_current_span("rpc") as parent, client_span("redis", b"evalsha", 3):
        pass
    (span,) = [s for s in exporter.get_finished_spans() if s.kind == trace.SpanKind.CLIENT]
    assert span.name == "redis EVALSHA"
    assert span.kind == trace.SpanKind.CLIENT
    assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
    assert span.attributes is not None and span.attributes["db.operation.batch.size"] == 3


def test_an_unsampled_call_gets_no_span(exported) -> None:
    _, exporter = exported
    unsampled = TracerProvider(sampler=ALWAYS_OFF).get_tracer("t")
    with unsampled.start_as_current_span("rpc"), client_span("cassandra", "SELECT 1"):
        pass
    with client_span("cassandra", "SELECT 1"):  # no trace at all
        pass
    record_query(SimpleNamespace(query="SELECT 1", elapsed=0.01, exception=None))
    assert exporter.get_finished_spans() == ()


def test_a_postgres_query_span_has_the_querys_duration(exported) -> None:
    provider, exporter = exported
    with provider.get_tracer("t").start_as_current_span("rpc"):
        record_query(SimpleNamespace(query="INSERT INTO post.posts ...", elapsed=0.25, exception=ValueError("x")))
    (span,) = [s for s in exporter.get_finished_spans() if s.kind == trace.SpanKind.CLIENT]
    assert span.name == "postgresql INSERT"
    assert span.end_time is not None and span.start_time is not None
    assert span.end_time - span.start_time == 250_000_000
    assert span.status.status_code == trace.StatusCode.ERROR
