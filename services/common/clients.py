"""Outbound gRPC: one channel per target for the process's lifetime, and a deadline on every call.

`ChannelPool.channel(target)` returns a shared channel whose interceptor adds the default deadline when the caller
gave none, cuts it to what is left of the budget of the request being served (services.common.deadlines), and
forwards the trace context. Stubs are cheap: build them on the shared channel where needed.

A target that lists several replicas (`ipv4:127.0.0.1:50052,127.0.0.1:50152`, the cluster topology) is balanced
round robin over those that answer; gRPC's default, pick_first, would send everything to the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from services.common import deadlines
from services.common.telemetry import inject_context

RECONNECT_BACKOFF_MAX_MS = 2_000


class _OutboundInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, default_timeout: float):
        self.default_timeout = default_timeout

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        metadata = grpc.aio.Metadata(*(client_call_details.metadata or ()))
        for key, value in inject_context().items():
            metadata[key] = value
        own = client_call_details.timeout if client_call_details.timeout is not None else self.default_timeout
        details = grpc.aio.ClientCallDetails(
            method=client_call_details.method,
            timeout=deadlines.bounded(own),
            metadata=metadata,
            credentials=client_call_details.credentials,
            wait_for_ready=client_call_details.wait_for_ready,
        )
        return await continuation(details, request)


class ChannelPool:
    """Channels to other services, created once per target and closed with the server."""

    def __init__(self, default_timeout: float = 2.0):
        self.default_timeout = default_timeout
        self._channels: dict[str, grpc.aio.Channel] = {}

    def channel(self, target: str) -> grpc.aio.Channel:
        found = self._channels.get(target)
        if found is None:
            found = grpc.aio.insecure_channel(
                target, interceptors=[_OutboundInterceptor(self.default_timeout)], options=channel_options(target)
            )
            self._channels[target] = found
        return found

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()


def channel_options(target: str) -> list[tuple[str, Any]]:
    options: list[tuple[str, Any]] = [
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.enable_retries", 1),
        # a peer back from a restart is reached within 2 s (grpc's own backoff grows to 2 minutes)
        ("grpc.max_reconnect_backoff_ms", RECONNECT_BACKOFF_MAX_MS),
    ]
    if "," in target:
        options.append(("grpc.lb_policy_name", "round_robin"))
    return options
