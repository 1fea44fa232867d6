"""The dashboard's panels (dashboard/panels.json) and what the gateway serves them with: the committed panels are
well formed and read recording rules only (one definition serves dashboard, alerts and `make status`), a malformed
panel stops the gateway's render with a message naming it, and the dashboard listener forwards nothing to
Prometheus but GET query and query_range. The page itself is tested in a browser: tests/e2e/test_dashboard.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.dashboard import PANELS_FILE, PanelError, load_panels
from gateway.render import render
from gateway.settings import load_gateway_settings
from stack.settings import ROOT

RULES_DIR = ROOT / "stack" / "conf" / "prometheus-rules"
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def test_the_committed_panels_read_no_raw_metric() -> None:
    panels = load_panels()
    assert len({panel.title for panel in panels}) == len(panels)
    for panel in panels:
        for query in panel.queries:
            names = set(_NAME.findall(query.expr))
            raw = {name for name in names if name.startswith(("feedmesh_", "envoy_"))}
            assert not raw, f"{panel.title}: raw metrics {raw}; add a recording rule to {RULES_DIR.name}/ instead"


def test_the_panels_name_only_rules_that_prometheus_records() -> None:
    if not RULES_DIR.is_dir():
        pytest.skip(f"{RULES_DIR.relative_to(ROOT)} is not in this tree yet")
    recorded = {
        rule["record"]
        for path in sorted(RULES_DIR.glob("*.y*ml"))
        for group in (yaml.safe_load(path.read_text()) or {}).get("groups", [])
        for rule in group.get("rules", [])
        if "record" in rule
    }
    used = {name for panel in load_panels() for q in panel.queries for name in _NAME.findall(q.expr) if ":" in name}
    assert used <= recorded, f"not recorded by any rule: {sorted(used - recorded)}"


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "panels.json"
    path.write_text(json.dumps(doc))
    return path


def _panel(**fields: Any) -> dict[str, Any]:
    return {"title": "Fanout backlog", "unit": "count", "queries": [{"expr": "feedmesh:fanout_backlog"}], **fields}


def _doc(*panels: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"range": "1h", "refresh_seconds": 15, "sections": [{"title": "Fanout", "panels": list(panels)}], **fields}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc(_panel(unit="percent")), "panel 'Fanout backlog': unit 'percent' is not one of"),
        (_doc(_panel(queries=[])), "panel 'Fanout backlog': 'queries' must list"),
        (_doc(_panel(queries=[{"legend": "x"}])), r"panel 'Fanout backlog' queries\[0\]: 'expr'"),
        (_doc(_panel(title="")), r"'Fanout' panels\[0\]: 'title'"),
        (_doc(_panel(), range="an hour"), "'range'"),
        (_doc(_panel(), refresh_seconds=-1), "'refresh_seconds'"),
        (_doc(), "no panels"),
    ],
)
def test_a_malformed_panel_is_named(tmp_path: Path, doc: dict[str, Any], message: str) -> None:
    with pytest.raises(PanelError, match=message):
        load_panels(_write(tmp_path, doc))


def test_a_panel_is_data_only(tmp_path: Path) -> None:
    """Adding a panel is adding an entry: several queries with legends, a description, nothing else."""
    doc = _doc(_panel(), _panel(title="Two", unit="seconds", description="d", queries=[{"expr": "a:b", "legend": "x"}]))
    two = load_panels(_write(tmp_path, doc))[1]
    assert (two.section, two.title, two.unit, two.description) == ("Fanout", "Two", "seconds", "d")
    assert [(q.expr, q.legend) for q in two.queries] == [("a:b", "x")]


def test_the_dashboard_listener_only_reads_prometheus(tmp_path: Path) -> None:
    settings = load_gateway_settings({"FEEDMESH_DASHBOARD_PORT": "18181"})
    config = yaml.safe_load(render(settings, tmp_path).read_text())
    (listener,) = [item for item in config["static_resources"]["listeners"] if item["name"] == "dashboard"]
    assert listener["address"]["socket_address"] == {"address": "127.0.0.1", "port_value": 18181}
    (manager,) = [f["typed_config"] for chain in listener["filter_chains"] for f in chain["filters"]]
    routes = [route for host in manager["route_config"]["virtual_hosts"] for route in host["routes"]]
    upstream = [route for route in routes if "route" in route]
    assert sorted(route["match"]["path"] for route in upstream) == [
        "/prometheus/api/v1/query",
        "/prometheus/api/v1/query_range",
    ]
    for route in upstream:
        assert route["route"]["prefix_rewrite"] == route["match"]["path"].removeprefix("/prometheus")
        (method,) = route["match"]["headers"]
        assert method["name"] == ":method" and method["string_match"]["safe_regex"]["regex"] == "^(GET|HEAD)$"
    assert routes[-1]["match"] == {"prefix": "/"} and routes[-1]["direct_response"]["status"] == 404
    served = {
        route["match"]["path"]: route["direct_response"]["body"]["filename"]
        for route in routes[:-1]
        if "direct_response" in route
    }
    assert served["/dashboard/panels.json"] == str(PANELS_FILE)
    assert Path(served["/dashboard/uPlot.iife.min.js"]).is_file()
