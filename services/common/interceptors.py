"""The server interceptor every service runs: trace context in, domain errors out as canonical statuses, metrics.

Domain errors become their gRPC code with the human message and a google.rpc.ErrorInfo carrying the
machine-readable reason. Anything unexpected is logged once, with the trace id, and becomes INTERNAL with a generic
message: no stack trace ever reaches the wire.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry import context as otel_context
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from services.common.errors import DomainError
from services.common.metric_children import Children
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


def rich_status(code: grpc.StatusCode, message: str, reason: str, domain: str, metadata: dict[str, str]) -> grpc.Status:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata))
    return rpc_status.to_status(status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=[detail]))


def _downstream_status(exc: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str, str]:
    """A failed call to another service: passes on unavailability, hides everything else as INTERNAL."""
    if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return (
            grpc.StatusCode.UNAVAILABLE,
            "a dependency is unavailable; retry later",
            "DEPENDENCY_UNAVAILABLE",
        )
    return grpc.StatusCode.INTERNAL, "internal error", "INTERNAL"


class ServerInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every unary handler of a server (see `services.common.server`)."""

    def __init__(self, service_name: str):
        self.service_name = service_name
        self.domain = f"{service_name}.feedmesh"
        self.tracer = trace.get_tracer("feedmesh.server")
        # A server's handlers never change once it serves: each method's wrapped handler is built once.
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method: str = handler_call_details.method
        found = self._wrapped.get(method)
        if found is not None:
            return found
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        if method.startswith("/grpc."):  # health and reflection: leave untouched
            return handler
        wrapped = grpc.unary_unary_rpc_method_handler(
            self._wrap(method, handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
        self._wrapped[method] = wrapped
        return wrapped

    def _wrap(self, method: str, behavior: Behavior) -> Behavior:
        short = method.rsplit("/", 1)[-1]

        async def run(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            token = otel_context.attach(extract_context(context.invocation_metadata()))
            try:
                with self.tracer.start_as_current_span(method, kind=trace.SpanKind.SERVER):
                    try:
                        return await behavior(request, context)
                    except grpc.aio.AbortError:
                        code = context.code() or grpc.StatusCode.UNKNOWN
                        raise
                    except DomainError as exc:
                        code = exc.code
                        status = rich_status(exc.code, exc.message, exc.reason, self.domain, exc.metadata)
                        await context.abort(status.code, status.details, status.trailing_metadata)
                    except grpc.aio.AioRpcError as exc:
                        code, message, reason = _downstream_status(exc)
                        log.warning(
                            "downstream call failed",
                            extra={
                                "method": method,
                                "downstream_code": exc.code().name,
                                "detail": exc.details(),
                            },
                        )
                        status = rich_status(code, message, reason, self.domain, {})
                        await context.abort(status.code, status.details, status.trailing_metadata)
                    except Exception:
                        code = grpc.StatusCode.INTERNAL
                        log.exception("unexpected error", extra={"method": method})
                        status = rich_status(code, "internal error", "INTERNAL", self.domain, {})
                        await context.abort(status.code, status.details, status.trailing_metadata)
            finally:
                otel_context.detach(token)
                RPC_LATENCY.labels(self.service_name, short, code.name).observe(time.perf_counter() - started)
                if code != grpc.StatusCode.OK:
                    RPC_ERRORS.labels(self.service_name, short, code.name).inc()

        return run
