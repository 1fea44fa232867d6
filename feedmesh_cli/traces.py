"""`feedmesh admin traces slowest`: the slowest feed reads (or any RPC's) of the last minutes, from the trace backend.

It asks Zipkin's HTTP API (FEEDMESH_TRACES_URL) for the traces whose gateway span is the RPC's within the window,
and prints the slowest first with a link to each trace in Zipkin's UI. The same in the UI: docs/observability.md.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from stack.settings import load_settings

GATEWAY = "feedmesh-gateway"
FEED_READ = "/feedmesh.timeline.v1.TimelineService/GetFeed"
# Traces fetched per query: the window's traces are ranked here, Zipkin's API sorts by time only.
FETCH_LIMIT = 10_000

traces_app = typer.Typer(help="Traces in the trace backend (Zipkin).", no_args_is_help=True)


@dataclass(frozen=True)
class SlowTrace:
    trace_id: str
    duration_ms: float
    started: float  # seconds since the epoch
    spans: int
    services: tuple[str, ...]
    error: bool


def traces_query(span_name: str, minutes: float, now_ms: int, limit: int = FETCH_LIMIT) -> dict[str, str]:
    """Zipkin's /api/v2/traces parameters: the gateway's spans of that name in the last `minutes`."""
    return {
        "serviceName": GATEWAY,
        "spanName": span_name.lower(),  # Zipkin keeps span names lower case
        "endTs": str(now_ms),
        "lookback": str(int(minutes * 60_000)),
        "limit": str(limit),
    }


def slowest(traces: Sequence[Sequence[dict[str, Any]]], span_name: str, limit: int) -> list[SlowTrace]:
    """The traces ranked by their gateway span's duration (what the caller waited), slowest first."""
    found = []
    name = span_name.lower()
    for spans in traces:
        edge = [
            s
            for s in spans
            if s.get("name") == name and s.get("localEndpoint", {}).get("serviceName") == GATEWAY and "duration" in s
        ]
        if not edge:
            continue
        root = max(edge, key=lambda s: s["duration"])
        services = sorted({s.get("localEndpoint", {}).get("serviceName", "?") for s in spans})
        found.append(
            SlowTrace(
                trace_id=root["traceId"],
                duration_ms=root["duration"] / 1000,
                started=root.get("timestamp", 0) / 1e6,
                spans=len(spans),
                services=tuple(services),
                error=any("error" in s.get("tags", {}) for s in spans),
            )
        )
    found.sort(key=lambda t: t.duration_ms, reverse=True)
    return found[:limit]


def fetch_traces(base_url: str, query: dict[str, str], timeout: float) -> list[list[dict[str, Any]]]:
    url = f"{base_url.rstrip('/')}/api/v2/traces?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        traces: list[list[dict[str, Any]]] = json.load(response)
    return traces


def fetch_trace(base_url: str, trace_id: str, timeout: float = 5) -> list[dict[str, Any]]:
    """One trace's spans as Zipkin has them so far ([] before its first span arrives)."""
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/api/v2/trace/{trace_id}", timeout=timeout) as response:
            spans: list[dict[str, Any]] = json.load(response)
            return spans
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise


@traces_app.command("slowest")
def slowest_command(
    minutes: Annotated[float, typer.Option(min=0.1, help="How far back to look.")] = 5,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many traces to show.")] = 10,
    rpc: Annotated[str, typer.Option(help="The RPC's gRPC path (the gateway span's name).")] = FEED_READ,
    url: Annotated[str, typer.Option(help="Zipkin's address (default: FEEDMESH_TRACES_URL).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per trace.")] = False,
) -> None:
    """The slowest sampled calls of an RPC (feed reads by default) in the last minutes, slowest first."""
    base = url or load_settings().traces_url
    if not base:
        typer.echo("no trace backend: set FEEDMESH_TRACES_URL or --url", err=True)
        raise typer.Exit(2)
    query = traces_query(rpc, minutes, int(time.time() * 1000))
    try:
        found = slowest(fetch_traces(base, query, timeout=10), rpc, limit)
    except OSError as exc:
        typer.echo(f"the trace backend at {base} does not answer ({exc}); is the stack up (`make up`)?", err=True)
        raise typer.Exit(3) from None
    for item in found:
        if as_json:
            typer.echo(json.dumps({**item.__dict__, "url": f"{base}/zipkin/traces/{item.trace_id}"}))
            continue
        when = time.strftime("%H:%M:%S", time.gmtime(item.started))
        flag = " ERROR" if item.error else ""
        typer.echo(
            f"{item.duration_ms:9.1f} ms  {when}Z  {item.spans:3d} spans  {base}/zipkin/traces/{item.trace_id}{flag}"
        )
    if not found and not as_json:
        typer.echo(f"no sampled {rpc} in the last {minutes:g} minutes (FEEDMESH_TRACE_SAMPLE_PERCENT sets how many)")
