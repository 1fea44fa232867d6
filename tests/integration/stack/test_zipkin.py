"""The trace backend: a span a service exports (its Zipkin exporter, as services.common.telemetry sets it up) can be
read back from Zipkin's API, where `feedmesh admin traces slowest` and the UI find it."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from feedmesh_cli.traces import fetch_trace
from services.common.polling import wait_for_sync
from services.common.telemetry import spans_endpoint
from stack.settings import StackSettings


def test_an_exported_span_can_be_read_back(stack_settings: StackSettings) -> None:
    if not stack_settings.traces_url:
        pytest.skip("FEEDMESH_TRACES_URL is empty")
    from opentelemetry.exporter.zipkin.json import ZipkinExporter
    from opentelemetry.sdk.resources import Resource

    provider = TracerProvider(resource=Resource.create({"service.name": "feedmesh-stack-test"}))
    provider.add_span_processor(SimpleSpanProcessor(ZipkinExporter(endpoint=spans_endpoint(stack_settings.traces_url))))
    with provider.get_tracer("test").start_as_current_span("round trip") as span:
        trace_id = f"{span.get_span_context().trace_id:032x}"
    provider.shutdown()
    (found,) = wait_for_sync(
        lambda: fetch_trace(stack_settings.traces_url, trace_id),
        what=f"trace {trace_id} in Zipkin",
        within=10,
        interval=0.2,
    )
    assert found["name"] == "round trip" and found["localEndpoint"]["serviceName"] == "feedmesh-stack-test"
