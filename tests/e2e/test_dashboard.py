"""The operators' dashboard, as a browser sees it: the page the gateway serves on its dashboard listener, loaded in
headless Chromium (gateway/dashboard_browser.py), must draw every panel of the panels.json it serves from Prometheus
through the gateway's read-only /prometheus/ path, exactly the samples Prometheus has for each query; and that path
must answer nothing but GET query and query_range.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from gateway.dashboard_browser import browse, dashboard_url
from gateway.settings import load_gateway_settings
from services.common.polling import wait_for_sync
from stack.settings import StackSettings
from tests.e2e.conftest import Gateway, User

# the test's own traffic must show in these (the RED request rates per route and per service)
TRAFFIC_RULES = ("feedmesh:gateway_requests:rate", "feedmesh:rpc_requests:rate")
RANGE = "15m"
# the page's step for RANGE (dashboard.js: MIN_STEP, as 15 minutes / POINTS is less)
STEP = 5


@pytest.fixture(scope="module")
def dashboard(stack: StackSettings) -> Iterator[httpx.Client]:
    port = load_gateway_settings(stack.values).dashboard_port
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client


def _finite_points(result: list[dict[str, Any]]) -> int:
    return sum(1 for series in result for _, value in series["values"] if math.isfinite(float(value)))


def _query(dashboard: httpx.Client, expr: str, at: float) -> list[dict[str, Any]]:
    reply = dashboard.get("/prometheus/api/v1/query", params={"query": expr, "time": at})
    assert reply.status_code == 200, reply.text
    return list(reply.json()["data"]["result"])


def test_every_panel_draws_what_prometheus_has(
    dashboard: httpx.Client, client: httpx.Client, new_user: Callable[..., User]
) -> None:
    recorded = _query(dashboard, 'count({__name__=~"feedmesh:.+"})', time.time())
    assert recorded, (
        "Prometheus records no feedmesh: rules: restart it to load them (bash stack/ctl.sh restart prometheus)"
    )
    reader = new_user()
    for _ in range(5):
        assert client.get("/v1/feed", params={"limit": 5}, headers=reader.auth).status_code == 200
    # A fixed window ending where the traffic already shows, so that page and replay ask Prometheus the same thing
    # about samples that no longer change.
    lag = 15.0
    traffic = " and ".join(f"sum({rule}) > 0" for rule in TRAFFIC_RULES)

    def traffic_end() -> int | None:
        # the page ends its window on a multiple of its step: the traffic must show at that very point
        at = int(time.time() - lag) // STEP * STEP
        return at if _query(dashboard, traffic, at) else None

    end = wait_for_sync(
        traffic_end,
        lambda at: at is not None,
        what=f"the test's requests in {', '.join(TRAFFIC_RULES)} {lag:g} s ago",
        within=90,
        interval=1,
    )
    assert end is not None

    report = browse(dashboard_url(RANGE, end))

    assert report.status == 200 and report.state == "ready", report
    assert report.console_errors == []
    served = dashboard.get("/dashboard/panels.json").json()
    panels = [panel for section in served["sections"] for panel in section["panels"]]
    assert [p.title for p in report.panels] == [panel["title"] for panel in panels]
    window = {key: report.window[key] for key in ("start", "end", "step")}
    assert window["end"] <= end
    for panel, drawn in zip(panels, report.panels, strict=True):
        assert drawn.state in ("ok", "empty"), f"{drawn.title}: {drawn.error}"
        expected = 0
        for query in panel["queries"]:
            params: dict[str, str | int] = {"query": query["expr"].replace("$range", RANGE), **window}
            reply = dashboard.get("/prometheus/api/v1/query_range", params=params)
            assert reply.status_code == 200, reply.text
            expected += _finite_points(reply.json()["data"]["result"])
        assert drawn.points == expected, f"{drawn.title}: drew {drawn.points} samples, Prometheus has {expected}"
        assert drawn.canvas == (expected > 0), drawn
        if any(rule in query["expr"] for rule in TRAFFIC_RULES for query in panel["queries"]):
            assert drawn.points > 0, f"{drawn.title}: the test's own requests are not on it"


def test_the_prometheus_path_only_reads(dashboard: httpx.Client) -> None:
    assert dashboard.get("/prometheus/api/v1/query", params={"query": "up"}).json()["status"] == "success"
    now = time.time()
    last_minute: dict[str, str | float] = {"query": "up", "start": now - 60, "end": now, "step": 15}
    assert dashboard.get("/prometheus/api/v1/query_range", params=last_minute).json()["status"] == "success"
    assert dashboard.post("/prometheus/api/v1/query", data={"query": "up"}).status_code == 404
    for path in (
        "/prometheus/api/v1/series?match[]=up",
        "/prometheus/api/v1/admin/tsdb/snapshot",
        "/prometheus/api/v1/status/config",
        "/prometheus/api/v1/targets",
        "/prometheus/federate?match[]=up",
        "/prometheus/api/v1/query/../admin/tsdb/snapshot",
    ):
        assert dashboard.get(path).status_code == 404, path
    assert dashboard.post("/prometheus/api/v1/admin/tsdb/delete_series", params={"match[]": "up"}).status_code == 404


def test_the_page_and_its_files_are_served(dashboard: httpx.Client) -> None:
    home = dashboard.get("/", follow_redirects=True)
    assert home.status_code == 200 and home.url.path == "/dashboard/"
    assert home.headers["content-type"].startswith("text/html")
    for name, kind in [("dashboard.js", "text/javascript"), ("uPlot.iife.min.js", "text/javascript")]:
        reply = dashboard.get(f"/dashboard/{name}")
        assert reply.status_code == 200 and reply.headers["content-type"].startswith(kind), name
    assert json.loads(dashboard.get("/dashboard/panels.json").text)["sections"]


def test_the_dashboard_is_not_on_the_public_listener(gateway: Gateway) -> None:
    for path in ("/dashboard/", "/prometheus/api/v1/query?query=up"):
        assert httpx.get(f"{gateway.url}{path}", timeout=10).status_code in (401, 404), path
