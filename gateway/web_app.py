"""The web app the gateway serves at / (web/, web/README.md): the files Vite builds into web/dist (`make web`), each
an Envoy direct response read when the gateway starts, like /docs and the dashboard. The app's screens are hash
routes (/#/u/123), so the page itself is the one path /; its assets live under /assets/. Every other path (/v1/...,
/openapi.json, /docs, /media/..., the gRPC and gRPC-Web paths) goes on to its own route.

Without a build, / answers 503 with a page saying how to build it; the API is unaffected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stack.settings import ROOT

DIST_DIR = ROOT / "web" / "dist"
ASSETS = "/assets/"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}
NOT_BUILT = (
    "<!doctype html><title>feedmesh</title><p>The web app is not built: run <code>make web</code>, then restart "
    "the gateway.</p>"
)


def served_files(dist: Path = DIST_DIR) -> dict[str, Path]:
    """URL path -> file: / for index.html and /assets/<name> for each built asset; empty without a build."""
    index = dist / "index.html"
    if not index.is_file():
        return {}
    files = {"/": index}
    for path in sorted((dist / "assets").glob("*")):
        if path.is_file() and path.suffix in CONTENT_TYPES:
            files[f"{ASSETS}{path.name}"] = path
    return files


def routes(files: dict[str, Path]) -> list[dict[str, Any]]:
    """One route per file, GET and HEAD only (exact paths: nothing of the API is shadowed), with the transcoder and
    the media cache disabled; revalidated on every load, since a build keeps the assets' names."""
    disabled = {"@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig", "disabled": True}
    per_filter = {"envoy.filters.http.grpc_json_transcoder": disabled, "envoy.filters.http.cache": disabled}
    read_only = [{"name": ":method", "string_match": {"safe_regex": {"regex": "^(GET|HEAD)$"}}}]
    if not files:
        return [
            {
                "name": "web_not_built",
                "match": {"path": "/", "headers": read_only},
                "direct_response": {"status": 503, "body": {"inline_string": NOT_BUILT}},
                "response_headers_to_add": [{"header": {"key": "content-type", "value": CONTENT_TYPES[".html"]}}],
                "typed_per_filter_config": per_filter,
            }
        ]
    return [
        {
            "name": "web_" + (url.strip("/").replace("/", "_").replace(".", "_") or "index"),
            "match": {"path": url, "headers": read_only},
            "direct_response": {"status": 200, "body": {"filename": str(path)}},
            "response_headers_to_add": [
                {"header": {"key": "content-type", "value": CONTENT_TYPES[path.suffix]}},
                {"header": {"key": "cache-control", "value": "no-cache"}},
                {"header": {"key": "x-content-type-options", "value": "nosniff"}},
            ],
            "typed_per_filter_config": per_filter,
        }
        for url, path in files.items()
    ]


def jwt_rules() -> list[dict[str, Any]]:
    """The page and its assets are public (the app logs in from them)."""
    return [{"match": {"path": "/"}}, {"match": {"prefix": ASSETS}}]


def template_values(dist: Path = DIST_DIR) -> dict[str, Any]:
    files = served_files(dist)
    return {
        "web_routes": routes(files),
        "web_max_file_bytes": max((path.stat().st_size for path in files.values()), default=0) + 1024,
    }
