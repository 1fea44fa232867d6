"""The `python -m services.<svc>` entry point shared by every service: settings, logging, tracing, metrics, then
the composition root's server until SIGTERM. Nothing happens at import time."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from services.common import heap_trace
from services.common.gc_tuning import settle_after_start
from services.common.logging import configure_logging
from services.common.server import GrpcServer, stop_on_signals
from services.common.settings import ServerSettings, SettingsError, load_settings
from services.common.telemetry import configure_tracing, start_metrics_server

S = TypeVar("S", bound=ServerSettings)


def run_service(name: str, settings_cls: type[S], build: Callable[[S], Awaitable[GrpcServer]]) -> None:
    try:
        settings = load_settings(settings_cls)
    except SettingsError as exc:
        print(f"feedmesh-{name}: bad configuration: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if settings.heap_trace:  # before anything is built, so the caches' and clients' allocations are traced
        heap_trace.start(settings.heap_trace_frames)
    sys.setswitchinterval(settings.gil_switch_interval_ms / 1000)  # see ServerSettings
    configure_logging(name, settings.log_level)
    configure_tracing(name, settings.traces_url, settings.trace_sample_percent)
    start_metrics_server(settings.metrics_port)

    async def main() -> None:
        stop = stop_on_signals()
        if settings.heap_trace:
            heap_trace.install(name, settings.heap_trace_frames, settings.heap_trace_dir)
        server = await build(settings)
        if stop.is_set():  # signalled while building: release what build acquired, never serve
            await server.stop(grace=0)
            return
        settle_after_start()
        await server.serve_until(stop)

    asyncio.run(main())
