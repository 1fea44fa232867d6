"""Tracing: spans are recorded only where something exports them, and carry ids either way."""

from __future__ import annotations

from services.common.telemetry import tracer_provider


def test_without_an_exporter_spans_are_not_recorded_but_carry_ids() -> None:
    tracer = tracer_provider("test", None).get_tracer("t")
    with tracer.start_as_current_span("outer") as outer:
        assert not outer.is_recording()
        assert outer.get_span_context().is_valid
        with tracer.start_as_current_span("inner") as inner:
            assert inner.get_span_context().trace_id == outer.get_span_context().trace_id


def test_with_an_exporter_spans_are_recorded() -> None:
    provider = tracer_provider("test", "http://127.0.0.1:1")
    try:
        with provider.get_tracer("t").start_as_current_span("s") as span:
            assert span.is_recording()
    finally:
        provider.shutdown()
