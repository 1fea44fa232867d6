"""Tracing and metrics plumbing shared by every service.

Traces: W3C `traceparent` is read from incoming gRPC metadata, put on outgoing calls and on Kafka message headers,
so one trace id follows a post from the gateway to every home timeline it lands in. With a trace backend
(`FEEDMESH_TRACES_URL`, the stack's Zipkin) the spans of sampled traces are recorded and sent to it in the
background; without one they are never recorded but still carry ids for logs and for the next service.
Metrics: prometheus_client on the service's metrics port.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased

log = logging.getLogger(__name__)

# Spans go out in batches from a background thread; a second between batches keeps a trace visible soon after it
# ends, at one wake-up a second.
EXPORT_EVERY_MS = 1000


def configure_tracing(service: str, traces_url: str = "", sample_percent: float = 1.0) -> None:
    """Installs a tracer provider named for the service. Safe to call more than once (the first one stays)."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    trace.set_tracer_provider(tracer_provider(service, traces_url, sample_percent))


def tracer_provider(service: str, traces_url: str, sample_percent: float = 1.0) -> TracerProvider:
    """With a backend, a span follows its parent's sampling decision (the gateway's, the caller's, the producer's
    for a Kafka event), and work nobody traced before starts a sampled trace `sample_percent` times in a hundred.
    Without one, nothing would ever read a recorded span: spans are created unsampled, which still gives them trace
    and span ids (for logs, and passed on to the next service), and saves a read of a page about a tenth of its
    server time."""
    resource = Resource.create({"service.name": f"feedmesh-{service}"})
    if not traces_url:
        return TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    provider = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(sample_percent / 100)))
    from opentelemetry.exporter.zipkin.json import ZipkinExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    exporter = ZipkinExporter(endpoint=spans_endpoint(traces_url), timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=EXPORT_EVERY_MS))
    return provider


def spans_endpoint(traces_url: str) -> str:
    """Where Zipkin takes spans (its v2 JSON API)."""
    return traces_url.rstrip("/") + "/api/v2/spans"


def tracing_enabled() -> bool:
    """Whether this process records any span (a trace backend is configured)."""
    provider = trace.get_tracer_provider()
    return isinstance(provider, TracerProvider) and provider.sampler is not ALWAYS_OFF


def extract_context(metadata: Iterable[tuple[str, str | bytes]] | None) -> Context:
    """The trace context carried by gRPC metadata or Kafka headers (both are key/value pairs)."""
    carrier = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in (metadata or ())}
    return propagate.extract(carrier)


def inject_context() -> Mapping[str, str]:
    """The current trace context as headers to send with an outgoing call or message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def start_metrics_server(port: int) -> None:
    """Serves /metrics for Prometheus on 127.0.0.1:port; port 0 disables it (tests)."""
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr="127.0.0.1")
