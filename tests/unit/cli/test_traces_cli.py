"""`feedmesh admin traces slowest` without a server: the ranking of Zipkin's traces and the query it sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from feedmesh_cli.traces import FEED_READ, GATEWAY, slowest, traces_query
from tests.cli_runner import run_cli


def _span(trace_id: str, service: str, duration: int, name: str = FEED_READ.lower(), **extra: Any) -> dict[str, Any]:
    return {
        "traceId": trace_id,
        "id": f"{trace_id}-{service}",
        "name": name,
        "duration": duration,
        "timestamp": 1_700_000_000_000_000,
        "localEndpoint": {"serviceName": service},
        **extra,
    }


def test_traces_are_ranked_by_what_the_gateway_waited() -> None:
    traces = [
        [_span("a", GATEWAY, 5_000), _span("a", "feedmesh-timeline", 90_000, name="other")],
        [_span("b", GATEWAY, 40_000), _span("b", "feedmesh-timeline", 30_000, tags={"error": "x"})],
        [_span("c", GATEWAY, 12_000)],
        [_span("d", "feedmesh-timeline", 99_000)],  # not seen at the gateway: not a feed read through it
    ]
    ranked = slowest(traces, FEED_READ, limit=2)
    assert [t.trace_id for t in ranked] == ["b", "c"]
    assert ranked[0].duration_ms == 40.0 and ranked[0].error and ranked[0].spans == 2
    assert ranked[0].services == (GATEWAY, "feedmesh-timeline")


def test_the_query_asks_for_the_gateways_spans_of_the_window() -> None:
    query = traces_query(FEED_READ, minutes=5, now_ms=1_000_000)
    assert query["serviceName"] == GATEWAY
    assert query["spanName"] == "/feedmesh.timeline.v1.timelineservice/getfeed"
    assert query["endTs"] == "1000000" and query["lookback"] == "300000"


def test_an_unreachable_backend_is_said_plainly(tmp_path: Path) -> None:
    shown = run_cli(["admin", "traces", "slowest", "--url", "http://127.0.0.1:1"], cwd=tmp_path)
    assert shown.status == 3
    assert "does not answer" in shown.err
