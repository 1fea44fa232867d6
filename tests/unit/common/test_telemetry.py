"""Tracing: spans are recorded only where something collects them, sampled as the caller or the setting says, and
carry ids either way."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from services.common.telemetry import spans_endpoint, tracer_provider


def _remote_parent(sampled: bool) -> trace.Span:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return NonRecordingSpan(SpanContext(0x4BF92F3577B34DA6A3CE929D0E0E4736, 0x00F067AA0BA902B7, True, flags))


def test_without_a_backend_spans_are_not_recorded_but_carry_ids() -> None:
    tracer = tracer_provider("test", "").get_tracer("t")
    with tracer.start_as_current_span("outer") as outer:
        assert not outer.is_recording()
        assert outer.get_span_context().is_valid
        with tracer.start_as_current_span("inner") as inner:
            assert inner.get_span_context().trace_id == outer.get_span_context().trace_id


def test_with_a_backend_spans_follow_the_callers_decision() -> None:
    provider = tracer_provider("test", "http://127.0.0.1:1", sample_percent=0)
    try:
        tracer = provider.get_tracer("t")
        for sampled in (True, False):
            context = trace.set_span_in_context(_remote_parent(sampled))
            with tracer.start_as_current_span("s", context=context) as span:
                assert span.is_recording() is sampled
    finally:
        provider.shutdown()


def test_work_nobody_traced_is_sampled_at_the_set_percent() -> None:
    for percent, recorded in ((0, False), (100, True)):
        provider = tracer_provider("test", "http://127.0.0.1:1", sample_percent=percent)
        try:
            with provider.get_tracer("t").start_as_current_span("root") as span:
                assert span.is_recording() is recorded
        finally:
            provider.shutdown()


def test_spans_go_to_zipkins_v2_api() -> None:
    assert spans_endpoint("http://127.0.0.1:9411/") == "http://127.0.0.1:9411/api/v2/spans"
