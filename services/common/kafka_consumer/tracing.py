"""Consumer spans: a sampled trace goes on through Kafka into whatever the handler does.

Every event whose producer's `traceparent` says sampled gets a CONSUMER span `<topic> process`, a child of the
producer's span (OpenTelemetry's messaging conventions allow a process span to be parented by the message's
context; links, their choice for batches, are dropped by Zipkin), lasting as long as its batch's handling. The
handler runs inside the first such span, so its calls (Redis, Cassandra, peers, the next Kafka hop) join that
trace; the batch's other sampled events get their own span each, without children. Events of unsampled traces
cost a look at their headers, nothing more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span

from services.common.telemetry import extract_context

_tracer = trace.get_tracer("feedmesh.kafka")


def is_sampled(headers: Sequence[tuple[str, bytes]]) -> bool:
    """Whether the headers carry a W3C trace context whose sampled flag is set."""
    for key, value in headers:
        if key == "traceparent":
            flags = value[-2:]
            try:
                return bool(int(flags, 16) & 1)
            except ValueError:
                return False
    return False


def process_spans(events: Sequence[Any], group: str) -> list[Span]:
    """Started CONSUMER spans, one per event (a `ConsumedEvent`) of a sampled trace, in the events' order."""
    spans = []
    for consumed in events:
        if not is_sampled(consumed.headers):
            continue
        spans.append(
            _tracer.start_span(
                f"{consumed.topic} process",
                context=extract_context(consumed.headers),
                kind=trace.SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "process",
                    "messaging.destination.name": consumed.topic,
                    "messaging.consumer.group.name": group,
                    "messaging.destination.partition.id": str(consumed.partition),
                    "messaging.kafka.offset": consumed.offset,
                    "messaging.batch.message_count": len(events),
                },
            )
        )
    return spans


def end_spans(spans: Sequence[Span], error: BaseException | None = None) -> None:
    for span in spans:
        if error is not None:
            span.record_exception(error)
            span.set_status(trace.StatusCode.ERROR, type(error).__name__)
        span.end()


async def traced(spans: list[Span], handle: Awaitable[Awaitable[None] | None]) -> Awaitable[None] | None:
    """Runs `handle` (the handler's coroutine) inside the first span; the spans end with the batch: at once, or
    when the rest the handler returned ends."""
    token = otel_context.attach(trace.set_span_in_context(spans[0]))
    try:
        rest = await handle
    except BaseException as exc:
        end_spans(spans, exc)
        raise
    finally:
        otel_context.detach(token)
    if rest is None:
        end_spans(spans)
        return None
    return _ending(rest, spans)


async def _ending(rest: Awaitable[None], spans: list[Span]) -> None:
    token = otel_context.attach(trace.set_span_in_context(spans[0]))
    try:
        await rest
    except BaseException as exc:
        end_spans(spans, exc)
        raise
    finally:
        otel_context.detach(token)
    end_spans(spans)
