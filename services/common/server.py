"""The one server skeleton: a grpc.aio server with health, reflection, the handlers' instrumentation (error mapping,
tracing, metrics: services.common.interceptors) and graceful shutdown.

A service's composition root builds a `GrpcServer`, hands it the servicers to register and the resources to close,
then calls `serve_until(stop_on_signals())`. Tests bind to port 0 and call `start()` / `stop()` directly.

Shutdown order: health flips to NOT_SERVING (load balancers stop sending), in-flight calls drain for up to the grace
period, then pools and clients close in reverse order of registration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.interceptors import Instrumentation, InstrumentedRegistrar
from services.common.settings import ServerSettings

log = logging.getLogger(__name__)

Registrar = Callable[[grpc.aio.Server], None]
Closer = Callable[[], Awaitable[None]]


@dataclass
class ServiceBinding:
    """A servicer to register: the function that adds it, and its full proto name for health and reflection."""

    full_name: str
    add_to_server: Registrar


# Whatever the gateway lets through must fit: its headers (FEEDMESH_GATEWAY_MAX_HEADERS_KB, 32 KiB at most) plus the
# transcoder's copy of the URL in x-envoy-original-path. gRPC's own default (8 KiB soft, 16 KiB hard) answered a long
# REST URL with RESOURCE_EXHAUSTED, which the gateway turns into a misleading 429; too long is the gateway's 431.
MAX_METADATA_BYTES = 80 * 1024


@dataclass
class GrpcServer:
    settings: ServerSettings
    bindings: Sequence[ServiceBinding]
    closers: list[Closer] = field(default_factory=list)
    extra_interceptors: Sequence[grpc.aio.ServerInterceptor] = ()

    def __post_init__(self) -> None:
        self.server: grpc.aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self.port = 0

    async def start(self) -> int:
        """Binds, registers everything and starts serving; returns the bound port."""
        self.server = grpc.aio.server(
            interceptors=list(self.extra_interceptors) or None,
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", 4 * 1024 * 1024),
                ("grpc.max_metadata_size", MAX_METADATA_BYTES),
                ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
            ],
        )
        registrar = InstrumentedRegistrar(self.server, Instrumentation(self.settings.service_name))
        for binding in self.bindings:
            binding.add_to_server(registrar)  # type: ignore[arg-type,unused-ignore]  # stands in for the server
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = [b.full_name for b in self.bindings]
        reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server)
        self.port = self.server.add_insecure_port(self.settings.listen_address)
        if self.port == 0:
            raise OSError(f"could not bind {self.settings.listen_address} (FEEDMESH_LISTEN_ADDRESS)")
        await self.server.start()
        for name in ["", *names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"port": self.port, "services": names})
        return self.port

    def add_closer(self, closer: Closer) -> None:
        self.closers.append(closer)

    async def stop(self, grace: float | None = None) -> None:
        """NOT_SERVING, drain in-flight calls for up to `grace` seconds, then close resources."""
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        if self.server is not None:
            await self.health.enter_graceful_shutdown()
            await self.server.stop(grace)
        closers, self.closers = self.closers, []
        for closer in reversed(closers):
            try:
                await closer()
            except Exception:
                log.exception("error while closing a resource")
        self.server = None
        log.info("stopped")

    async def serve_until(self, stop: asyncio.Event) -> None:
        """Serves until `stop` is set, then shuts down gracefully."""
        await self.start()
        await stop.wait()
        log.info("shutting down")
        with contextlib.suppress(Exception):
            await self.stop()


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT. Installed before a service builds its pools and clients, so a signal
    during start-up also ends in an orderly stop rather than the default kill."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def build_or_close(compose: Callable[[list[Closer]], Awaitable[GrpcServer]]) -> GrpcServer:
    """Runs a composition root that appends a closer for each pool, client and task it opens to the list it is
    given: if it fails half-way, what it opened is closed, newest first, before the error goes on."""
    closers: list[Closer] = []
    try:
        return await compose(closers)
    except BaseException:
        for close in reversed(closers):
            await close()
        raise
