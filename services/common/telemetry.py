"""Tracing and metrics plumbing shared by every service.

Traces: W3C `traceparent` is read from incoming gRPC metadata, put on outgoing calls and on Kafka message headers,
so one trace id follows a post from the gateway to every home timeline it lands in. Spans are exported over OTLP
only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (a collector or Jaeger); otherwise they are not recorded but still
carry ids for logs and for the next service.
Metrics: prometheus_client on the service's metrics port.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

log = logging.getLogger(__name__)


def configure_tracing(service: str) -> None:
    """Installs a tracer provider named for the service. Safe to call more than once."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    trace.set_tracer_provider(tracer_provider(service, os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")))


def tracer_provider(service: str, endpoint: str | None) -> TracerProvider:
    """With an OTLP endpoint, spans are sampled as OTEL_TRACES_SAMPLER says (by default all, or as the caller's
    trace decided) and exported. Without one, nothing would ever read a recorded span: spans are created unsampled,
    which still gives them trace and span ids (for logs, and passed on to the next service), and saves a read of a
    page about a tenth of its server time."""
    resource = Resource.create({"service.name": f"feedmesh-{service}"})
    if not endpoint:
        return TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    provider = TracerProvider(resource=resource)
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    except ImportError:
        log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is not installed")
    return provider


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
