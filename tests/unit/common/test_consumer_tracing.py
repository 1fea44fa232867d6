"""A sampled trace goes on through Kafka: consumer spans are children of the producer's span, and the handler's
work happens inside the first one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from services.common.kafka_consumer import ConsumedEvent, tracing
from services.common.kafka_consumer.tracing import is_sampled, process_spans, traced

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _event(flags: str | None, offset: int = 7) -> ConsumedEvent[object]:  # type: ignore[type-var]
    headers = [] if flags is None else [("traceparent", f"00-{TRACE}-00f067aa0ba902b7-{flags}".encode())]
    return ConsumedEvent(object(), b"k", "feedmesh.posts", 2, offset, headers)  # type: ignore[type-var]


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(0)))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_tracer", provider.get_tracer("test"))
    yield exporter
    provider.shutdown()


def test_the_sampled_flag_is_read_from_the_header() -> None:
    assert is_sampled([("traceparent", b"00-" + TRACE.encode() + b"-00f067aa0ba902b7-01")])
    assert not is_sampled([("traceparent", b"00-" + TRACE.encode() + b"-00f067aa0ba902b7-00")])
    assert not is_sampled([("traceparent", b"garbage-zz")])
    assert not is_sampled([("other", b"01")])


def test_only_events_of_sampled_traces_get_a_span(exporter) -> None:
    spans = process_spans([_event("01"), _event("00"), _event(None)], "timeline-posts")
    assert len(spans) == 1
    spans[0].end()
    (span,) = exporter.get_finished_spans()
    assert span.name == "feedmesh.posts process"
    assert span.kind == trace.SpanKind.CONSUMER
    assert span.parent is not None and span.parent.span_id == 0x00F067AA0BA902B7
    assert span.context.trace_id == int(TRACE, 16)
    assert span.attributes is not None and span.attributes["messaging.consumer.group.name"] == "timeline-posts"


def test_the_handler_runs_in_the_span_and_the_span_ends_with_the_batchs_rest(exporter) -> None:
    seen = []

    async def rest() -> None:
        seen.append(trace.get_current_span().get_span_context().trace_id)

    async def handler() -> Awaitable[None]:
        seen.append(trace.get_current_span().get_span_context().trace_id)
        return rest()

    async def run() -> None:
        ending = await traced(process_spans([_event("01")], "g"), handler())
        assert exporter.get_finished_spans() == ()  # still running: the rest is not done
        assert ending is not None
        await ending

    asyncio.run(run())
    assert seen == [int(TRACE, 16), int(TRACE, 16)]
    assert len(exporter.get_finished_spans()) == 1


def test_a_failing_handler_ends_its_spans_as_errors(exporter) -> None:
    async def handler() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        asyncio.run(traced(process_spans([_event("01")], "g"), handler()))
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code == trace.StatusCode.ERROR
