"""The operators' dashboard the gateway serves on its own loopback-only listener (FEEDMESH_DASHBOARD_PORT, 8081):
the page in dashboard/ (drawn with uPlot, from the npm cache), its panels (dashboard/panels.json) and a read-only
window on Prometheus: GET /prometheus/api/v1/query and /query_range, nothing else. docs/observability.md,
"Dashboard", tells how to add a panel.

Every file is an Envoy direct response read when the gateway starts: after editing one, restart the gateway.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.settings import GatewaySettings
from stack.settings import ROOT

PAGE_DIR = ROOT / "dashboard"
PANELS_FILE = PAGE_DIR / "panels.json"
# what the page draws values as (dashboard/dashboard.js formats each)
UNITS = ("seconds", "ratio", "per_second", "count")
# URL path under /dashboard/ -> the file it serves: the page, then uPlot's (in the chart library directory)
PAGE_FILES = ("index.html", "dashboard.js", "dashboard.css", "panels.json")
LIBRARY_FILES = ("uPlot.iife.min.js", "uPlot.min.css")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}
# Prometheus's read-only query endpoints, the only ones the page needs (no admin, series or metadata API)
PROMETHEUS_READS = ("/api/v1/query", "/api/v1/query_range")
PROMETHEUS_PREFIX = "/prometheus"
PROMETHEUS_CLUSTER = "dashboard_prometheus"
_DURATION = re.compile(r"^[1-9][0-9]*[smhd]$")


@dataclass(frozen=True)
class Query:
    """A PromQL expression the page draws every series of, each named by the legend template ("{{service}}")."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    """One chart of the page, drawn from its queries."""

    section: str  # the title of the section it is in
    title: str
    unit: str  # one of UNITS: how the page formats its values
    queries: tuple[Query, ...]
    description: str = ""  # shown when hovering the title


class PanelError(ValueError):
    """panels.json is malformed; the message names the panel and the field."""


def _text(item: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = item.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise PanelError(f"{where}: '{key}' must be a non-empty string")
    return value


def load_panels(path: Path = PANELS_FILE) -> list[Panel]:
    """Every panel of panels.json, in page order; raises PanelError on a missing or malformed field."""
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise PanelError(f"{path.name}: not JSON: {exc}") from None
    if not _DURATION.match(str(doc.get("range", ""))):
        raise PanelError(f"{path.name}: 'range' (the default time range) must look like 30m, 1h or 2d")
    refresh = doc.get("refresh_seconds")
    if not isinstance(refresh, int) or refresh < 0:
        raise PanelError(f"{path.name}: 'refresh_seconds' must be an integer >= 0 (0: no refresh)")
    panels: list[Panel] = []
    for s, section in enumerate(doc.get("sections") or []):
        section_title = _text(section, "title", f"{path.name} sections[{s}]")
        for p, item in enumerate(section.get("panels") or []):
            where = f"{path.name} {section_title!r} panels[{p}]"
            title = _text(item, "title", where)
            where = f"{path.name} panel {title!r}"
            unit = _text(item, "unit", where)
            if unit not in UNITS:
                raise PanelError(f"{where}: unit {unit!r} is not one of {', '.join(UNITS)}")
            queries = tuple(
                Query(_text(q, "expr", f"{where} queries[{i}]"), _text(q, "legend", where, required=False))
                for i, q in enumerate(item.get("queries") or [])
            )
            if not queries:
                raise PanelError(f"{where}: 'queries' must list at least one {{expr, legend}}")
            panels.append(Panel(section_title, title, unit, queries, _text(item, "description", where, False)))
    if not panels:
        raise PanelError(f"{path.name}: no panels (expected sections[].panels[])")
    return panels


def served_files(settings: GatewaySettings) -> dict[str, Path]:
    """URL path -> file, for every file of the page; raises FileNotFoundError naming what is missing."""
    files = {f"/dashboard/{name}": PAGE_DIR / name for name in PAGE_FILES}
    files |= {f"/dashboard/{name}": settings.chart_library_dir / name for name in LIBRARY_FILES}
    for path in files.values():
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (the chart library comes from npm: run `make setup`)")
    return files


def routes(files: dict[str, Path]) -> list[dict[str, Any]]:
    """The dashboard listener's routes: the page's files, the read-only Prometheus paths, 404 for anything else."""
    read_only = {"headers": [{"name": ":method", "string_match": {"safe_regex": {"regex": "^(GET|HEAD)$"}}}]}
    table: list[dict[str, Any]] = [
        {"name": "dashboard_home", "match": {"path": "/", **read_only}, "redirect": {"path_redirect": "/dashboard/"}},
        {
            "name": "dashboard_index",
            "match": {"path": "/dashboard/", **read_only},
            "direct_response": {"status": 200, "body": {"filename": str(files["/dashboard/index.html"])}},
            "response_headers_to_add": [_content_type(".html")],
        },
    ]
    for url, path in files.items():
        table.append(
            {
                "name": f"dashboard_{path.name}",
                "match": {"path": url, **read_only},
                "direct_response": {"status": 200, "body": {"filename": str(path)}},
                "response_headers_to_add": [_content_type(path.suffix)],
            }
        )
    for api in PROMETHEUS_READS:
        # the query string (query, start, end, step) passes through untouched; only the path is rewritten
        table.append(
            {
                "name": f"prometheus{api.replace('/', '_')}",
                "match": {"path": PROMETHEUS_PREFIX + api, **read_only},
                "route": {"cluster": PROMETHEUS_CLUSTER, "prefix_rewrite": api, "timeout": "30s"},
            }
        )
    table.append(
        {
            "name": "dashboard_not_found",
            "match": {"prefix": "/"},
            "direct_response": {"status": 404, "body": {"inline_string": "not found\n"}},
        }
    )
    return table


def _content_type(suffix: str) -> dict[str, Any]:
    return {
        "header": {"key": "content-type", "value": CONTENT_TYPES[suffix]},
        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
    }


def clusters(settings: GatewaySettings) -> list[dict[str, Any]]:
    """The Prometheus the read-only paths lead to (plain HTTP/1.1)."""
    address = {"socket_address": {"address": settings.prometheus_host, "port_value": settings.prometheus_port}}
    return [
        {
            "name": PROMETHEUS_CLUSTER,
            "type": "STRICT_DNS",
            "dns_lookup_family": "V4_ONLY",
            "connect_timeout": "1s",
            "load_assignment": {
                "cluster_name": PROMETHEUS_CLUSTER,
                "endpoints": [{"lb_endpoints": [{"endpoint": {"address": address}}]}],
            },
        }
    ]


def template_values(settings: GatewaySettings) -> dict[str, Any]:
    """The placeholders of envoy.yaml.tmpl's dashboard listener and cluster; checks panels.json first."""
    load_panels()
    files = served_files(settings)
    return {
        "dashboard_port": settings.dashboard_port,
        "dashboard_max_file_bytes": max(4096, *(path.stat().st_size + 1024 for path in files.values())),
        "dashboard_routes": routes(files),
        "dashboard_clusters": clusters(settings),
    }
