"""A server stream's gateway route keeps the stream open: no route timeout, no per-try timeout, a cap on its life,
and no retry once it reached a service; unary routes keep their timeouts."""

from __future__ import annotations

import pathlib

from gateway.render import rpc_routes
from gateway.routes import load_rpcs
from gateway.settings import GatewaySettings

DESCRIPTOR_SET = pathlib.Path(__file__).resolve().parents[1].parent / "gen" / "feedmesh.binpb"


def test_stream_route_has_no_timeout_but_a_life_cap() -> None:
    settings = GatewaySettings(stream_max_seconds=1800)
    routes = {r["name"]: r["route"] for r in rpc_routes(load_rpcs(DESCRIPTOR_SET), settings)}
    stream = routes["feedmesh.notification.v1.NotificationService/StreamNotifications"]
    assert stream["timeout"] == "0s"
    assert stream["max_stream_duration"] == {"max_stream_duration": "1800s", "grpc_timeout_header_max": "1800s"}
    assert "per_try_timeout" not in stream["retry_policy"]
    assert stream["retry_policy"]["retry_on"] == "connect-failure,refused-stream"
    listed = routes["feedmesh.notification.v1.NotificationService/ListNotifications"]
    assert listed["timeout"] == f"{settings.route_timeout_seconds}s"
    assert "per_try_timeout" in listed["retry_policy"]
