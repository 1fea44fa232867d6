"""The browsable API reference the gateway serves at /docs: Swagger UI (npm `swagger-ui-dist`, from the npm cache
that `make setup` fills; nothing is fetched from a CDN) on the OpenAPI document at /openapi.json.

Every file is an Envoy direct response read when the gateway starts, like the dashboard's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.settings import GatewaySettings
from stack.settings import ROOT

PAGE_DIR = ROOT / "gateway" / "docs_page"
LIBRARY_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def served_files(settings: GatewaySettings) -> dict[str, Path]:
    """URL path -> file; raises FileNotFoundError naming what is missing."""
    files = {"/docs": PAGE_DIR / "index.html", "/docs/": PAGE_DIR / "index.html", "/docs/docs.js": PAGE_DIR / "docs.js"}
    files |= {f"/docs/{name}": settings.api_reference_dir / name for name in LIBRARY_FILES}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"missing: {', '.join(missing)} (Swagger UI comes from npm: run `make setup`)")
    return files


def routes(files: dict[str, Path]) -> list[dict[str, Any]]:
    """One direct response per file, GET and HEAD only, with the static routes' filters disabled."""
    disabled = {"@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig", "disabled": True}
    return [
        {
            "name": f"docs_{url.strip('/').replace('/', '_').replace('.', '_') or 'index'}",
            "match": {
                "path": url,
                "headers": [{"name": ":method", "string_match": {"safe_regex": {"regex": "^(GET|HEAD)$"}}}],
            },
            "direct_response": {"status": 200, "body": {"filename": str(path)}},
            "response_headers_to_add": [
                {"header": {"key": "content-type", "value": CONTENT_TYPES[path.suffix]}},
                {"header": {"key": "cache-control", "value": "no-cache"}},
            ],
            "typed_per_filter_config": {
                "envoy.filters.http.grpc_json_transcoder": disabled,
                "envoy.filters.http.cache": disabled,
            },
        }
        for url, path in files.items()
    ]


def template_values(settings: GatewaySettings) -> dict[str, Any]:
    files = served_files(settings)
    return {
        "docs_routes": routes(files),
        "docs_max_file_bytes": max(path.stat().st_size for path in files.values()) + 1024,
    }
