"""What every service's RPC handlers run inside: trace context in, domain errors out as canonical statuses, metrics.

Domain errors become their gRPC code with the human message and a google.rpc.ErrorInfo carrying the
machine-readable reason. A backend that does not answer (services.common.outages) and a peer that is unavailable
become UNAVAILABLE with a `retry-after` (the gateway passes it on as the HTTP header). Anything else unexpected is
logged once, with the trace id, and becomes INTERNAL with a generic message: no stack trace ever reaches the wire.
Each handler runs within its caller's budget (services.common.deadlines): past it, it is stopped and answers
UNAVAILABLE, so no call it made outlives the request.

The wrapping happens once, when a servicer's handlers are registered (`InstrumentedRegistrar`), not in a grpc.aio
server interceptor, which grpc runs as a chain of coroutines on every call, at a CPU cost on each one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry import context as otel_context
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from services.common import deadlines
from services.common.errors import DomainError
from services.common.metric_children import Children
from services.common.outages import RETRY_AFTER_SECONDS, outage_reason
from services.common.telemetry import extract_context

log = logging.getLogger(__name__)

RPC_LATENCY = Children(
    Histogram(
        "feedmesh_rpc_server_seconds",
        "Server-side latency of unary RPCs",
        ["service", "method", "code"],
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )
)
RPC_ERRORS = Children(
    Counter("feedmesh_rpc_server_errors_total", "RPCs that ended in an error", ["service", "method", "code"])
)

Behavior = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]
StreamBehavior = Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]]


def rich_status(code: grpc.StatusCode, message: str, reason: str, domain: str, metadata: dict[str, str]) -> grpc.Status:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata))
    status = rpc_status.to_status(
        status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=[detail])
    )
    if code == grpc.StatusCode.UNAVAILABLE:
        return _with_retry_after(status)
    return status


class _Status(grpc.Status):
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[tuple[str, str | bytes], ...]):
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def _with_retry_after(status: grpc.Status) -> grpc.Status:
    metadata = (*status.trailing_metadata, ("retry-after", str(RETRY_AFTER_SECONDS)))
    return _Status(status.code, status.details, metadata)


def _downstream_status(exc: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str, str]:
    """A failed call to another service: passes on unavailability, hides everything else as INTERNAL."""
    if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return (
            grpc.StatusCode.UNAVAILABLE,
            "a dependency is unavailable; retry later",
            "DEPENDENCY_UNAVAILABLE",
        )
    return grpc.StatusCode.INTERNAL, "internal error", "INTERNAL"


class Instrumentation:
    """Wraps a service's unary and server-streaming handlers (see `services.common.server`)."""

    def __init__(self, service_name: str):
        self.service_name = service_name
        self.domain = f"{service_name}.feedmesh"
        self.tracer = trace.get_tracer("feedmesh.server")

    def wrap(self, method: str, behavior: Behavior) -> Behavior:
        short = method.rsplit("/", 1)[-1]
        tracer = self.tracer

        async def run(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            metadata = context.invocation_metadata()
            # Only a caller that sent a trace context makes one to attach; otherwise the span starts a trace.
            token = otel_context.attach(extract_context(metadata)) if _carries_trace(metadata) else None
            span = tracer.start_span(method, kind=trace.SpanKind.SERVER)
            span_token = otel_context.attach(trace.set_span_in_context(span))
            time_remaining = context.time_remaining()
            budget = deadlines.budget_seconds(time_remaining, metadata)
            limit = asyncio.timeout(budget if deadlines.needs_own_timer(time_remaining, budget) else None)
            try:
                try:
                    if budget is None:
                        return await behavior(request, context)
                    with deadlines.scope(budget):
                        async with limit:
                            return await behavior(request, context)
                except grpc.aio.AbortError:
                    code = context.code() or grpc.StatusCode.UNKNOWN
                    raise
                except Exception as exc:
                    code, status = self._failure(method, exc, limit.expired())
                    await context.abort(status.code, status.details, status.trailing_metadata)
            finally:
                otel_context.detach(span_token)
                span.end()
                if token is not None:
                    otel_context.detach(token)
                RPC_LATENCY.labels(self.service_name, short, code.name).observe(time.perf_counter() - started)
                if code != grpc.StatusCode.OK:
                    RPC_ERRORS.labels(self.service_name, short, code.name).inc()

        return run

    def wrap_stream(self, method: str, behavior: StreamBehavior) -> StreamBehavior:
        """A server-streaming handler with the same error mapping and error counts. No budget and no latency: a
        stream lives as long as its caller listens, and its minutes would drown the unary calls' percentiles."""
        short = method.rsplit("/", 1)[-1]

        async def run(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            try:
                async for response in behavior(request, context):
                    yield response
            except grpc.aio.AbortError:
                RPC_ERRORS.labels(self.service_name, short, (context.code() or grpc.StatusCode.UNKNOWN).name).inc()
                raise
            except Exception as exc:
                code, status = self._failure(method, exc, budget_expired=False)
                RPC_ERRORS.labels(self.service_name, short, code.name).inc()
                await context.abort(status.code, status.details, status.trailing_metadata)

        return run

    def _failure(self, method: str, exc: Exception, budget_expired: bool) -> tuple[grpc.StatusCode, grpc.Status]:
        """The status a handler's exception becomes: a domain error its own code, a peer's failure what it means
        for our caller, an outage or a spent budget UNAVAILABLE, anything else INTERNAL without its details."""
        if isinstance(exc, DomainError):
            return exc.code, rich_status(exc.code, exc.message, exc.reason, self.domain, exc.metadata)
        if isinstance(exc, grpc.aio.AioRpcError):
            code, message, reason = _downstream_status(exc)
            log.warning(
                "downstream call failed",
                extra={"method": method, "downstream_code": exc.code().name, "detail": exc.details()},
            )
            return code, rich_status(code, message, reason, self.domain, {})
        if isinstance(exc, TimeoutError):
            return self._unavailable(method, exc, "BUDGET_EXHAUSTED" if budget_expired else None)
        outage = outage_reason(exc)
        if outage is not None:
            return self._unavailable(method, exc, outage)
        log.exception("unexpected error", extra={"method": method})
        internal = grpc.StatusCode.INTERNAL
        return internal, rich_status(internal, "internal error", "INTERNAL", self.domain, {})

    def _unavailable(self, method: str, exc: BaseException, reason: str | None) -> tuple[grpc.StatusCode, grpc.Status]:
        """A backend or the budget gave out: UNAVAILABLE, logged as a warning (an outage is not a bug)."""
        reason = reason or outage_reason(exc) or "DEPENDENCY_UNAVAILABLE"
        log.warning(
            "dependency unavailable",
            extra={"method": method, "reason": reason, "error": f"{type(exc).__name__}: {exc}"},
        )
        message = "a dependency is unavailable; retry later"
        return grpc.StatusCode.UNAVAILABLE, rich_status(grpc.StatusCode.UNAVAILABLE, message, reason, self.domain, {})

    def handler(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """The handler with its behavior wrapped (unary and server-streaming; the others are left as they are)."""
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self.wrap_stream(method, handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_unary is None:
            return handler
        return grpc.unary_unary_rpc_method_handler(
            self.wrap(method, handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _carries_trace(metadata: Any) -> bool:
    return any(key == "traceparent" for key, _ in metadata or ())


class _WrappedGeneric(grpc.GenericRpcHandler):
    def __init__(self, inner: grpc.GenericRpcHandler, registrar: InstrumentedRegistrar):
        self.inner = inner
        self.registrar = registrar

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        found = self.inner.service(handler_call_details)
        if found is None:
            return None
        return self.registrar.wrapped(handler_call_details.method, found)


class InstrumentedRegistrar:
    """The grpc server as a generated `add_*Servicer_to_server` function sees it: every handler it registers (the
    registered-method table and the generic lookup alike) is wrapped by `Instrumentation`, once per method."""

    def __init__(self, server: grpc.aio.Server, instrumentation: Instrumentation):
        self.server = server
        self.instrumentation = instrumentation
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def wrapped(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        found = self._wrapped.get(method)
        if found is not None and found[0] is handler:
            return found[1]
        wrapped = self.instrumentation.handler(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self.server.add_generic_rpc_handlers(tuple(_WrappedGeneric(h, self) for h in handlers))

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        self.server.add_registered_method_handlers(
            service, {name: self.wrapped(f"/{service}/{name}", h) for name, h in handlers.items()}
        )
