"""gRPC-Web on the gateway's public listener (the TypeScript client, browsers): the grpc_web filter runs right after
CORS, the CORS policy lets a page send and read what gRPC-Web needs, unknown methods of any gRPC flavour are
UNIMPLEMENTED, and Envoy's own refusals reach a gRPC-Web caller as a native gRPC caller gets them (HTTP 200, the code
in grpc-status, no body), since gRPC-Web clients read the code from any other HTTP status instead. Needs no server;
clients/ts/test/live.test.ts checks the same through the running gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gateway.local_replies import GRPC_WEB_REPLY_CODES, local_reply_mappers
from gateway.render import render
from gateway.settings import load_gateway_settings
from tests.unit.test_gateway_internal_services import routes_of


def _public_listener(config: dict[str, Any]) -> dict[str, Any]:
    listener = next(item for item in config["static_resources"]["listeners"] if item["name"] == "public")
    manager: dict[str, Any] = listener["filter_chains"][0]["filters"][-1]["typed_config"]  # the terminal filter
    return manager


def _status(mapper: dict[str, Any]) -> int:
    return int(
        mapper["filter"]["and_filter"]["filters"][0]["status_code_filter"]["comparison"]["value"]["default_value"]
    )


def test_grpc_web_is_turned_into_grpc_after_cors_and_before_the_jwt_check(tmp_path: Path) -> None:
    config = yaml.safe_load(render(load_gateway_settings(), tmp_path).read_text())
    manager = _public_listener(config)
    names = [item["name"] for item in manager["http_filters"]]
    assert names[:2] == ["envoy.filters.http.cors", "envoy.filters.http.grpc_web"]
    assert names.index("envoy.filters.http.grpc_web") < names.index("envoy.filters.http.jwt_authn")

    cors = manager["route_config"]["virtual_hosts"][0]["typed_per_filter_config"]["envoy.filters.http.cors"]
    allowed = {name.strip() for name in cors["allow_headers"].split(",")}
    assert {"authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"} <= allowed
    exposed = {name.strip() for name in cors["expose_headers"].split(",")}
    assert {"grpc-status", "grpc-message", "grpc-status-details-bin"} <= exposed

    unknown = next(route for route in routes_of(config) if route.get("name") == "no_such_method")
    assert unknown["match"]["headers"] == [{"name": "content-type", "string_match": {"prefix": "application/grpc"}}]


def test_envoys_own_replies_reach_grpc_web_callers_as_trailers_only() -> None:
    mappers = local_reply_mappers()
    grpc_web = [m for m in mappers if m.get("status_code") == 200]
    statuses = [_status(mapper) for mapper in grpc_web]
    assert sorted(statuses) == sorted(GRPC_WEB_REPLY_CODES)
    for mapper, status in zip(grpc_web, statuses, strict=True):
        headers = {added["header"]["key"]: added["header"]["value"] for added in mapper["headers_to_add"]}
        assert headers["content-type"] == "application/grpc"
        assert headers["grpc-status"] == str(GRPC_WEB_REPLY_CODES[status])
        assert mapper["body_format_override"] == {"text_format": ""}
    assert GRPC_WEB_REPLY_CODES[429] == 8 and GRPC_WEB_REPLY_CODES[401] == 16 and GRPC_WEB_REPLY_CODES[404] == 12
