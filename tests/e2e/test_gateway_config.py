"""The gateway's config: the template renders for the stack's settings and for overrides, Envoy accepts it
(`envoy --mode validate`), and its routes are exactly the annotated RPCs. Needs no running server."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import process
from gateway.render import render
from gateway.routes import PUBLIC_RPCS, load_rpcs
from gateway.settings import GatewaySettingsError, load_gateway_settings


def test_rendered_config_validates(tmp_path: Path) -> None:
    config = render(load_gateway_settings(), tmp_path)
    result = process.validate(config)
    assert result.returncode == 0, result.stderr or result.stdout


def test_overrides_render_and_validate(tmp_path: Path) -> None:
    settings = load_gateway_settings(
        {
            "FEEDMESH_GATEWAY_PORT": "18081",
            "FEEDMESH_RATE_READ_PER_MIN": "7",
            "FEEDMESH_GATEWAY_POST_ENDPOINTS": "127.0.0.1:50053,127.0.0.1:60053",  # two replicas
            "FEEDMESH_CORS_ORIGINS": "https://app.example,*",
            "FEEDMESH_GATEWAY_MAX_CONNECTIONS": "33",
            "FEEDMESH_GATEWAY_REQUEST_TIMEOUT_SECONDS": "7",
        }
    )
    assert settings.endpoints["post"] == (("127.0.0.1", 50053), ("127.0.0.1", 60053))
    config = render(settings, tmp_path)
    text = config.read_text()
    assert "port_value: 18081" in text and "max_tokens: 7," in text and "60053" in text
    assert "max_connections: 33" in text and "request_timeout: 7s" in text
    assert process.validate(config).returncode == 0


def test_bad_settings_name_the_variable() -> None:
    with pytest.raises(GatewaySettingsError, match="FEEDMESH_RATE_WRITE_PER_MIN"):
        load_gateway_settings({"FEEDMESH_RATE_WRITE_PER_MIN": "lots"})
    with pytest.raises(GatewaySettingsError, match="FEEDMESH_GATEWAY_MAX_HEADERS_KB"):
        load_gateway_settings({"FEEDMESH_GATEWAY_MAX_HEADERS_KB": "64"})  # more than the services accept
    with pytest.raises(GatewaySettingsError, match="FEEDMESH_GATEWAY_GRAPH_ENDPOINTS"):
        load_gateway_settings({"FEEDMESH_GATEWAY_GRAPH_ENDPOINTS": "nohost"})


def test_one_route_per_annotated_rpc(tmp_path: Path) -> None:
    settings = load_gateway_settings()
    rpcs = load_rpcs(settings.descriptor_source)
    text = render(settings, tmp_path).read_text()
    for rpc in rpcs:
        assert f'path: "{rpc.grpc_path}"' in text
    assert {rpc.full_name for rpc in rpcs if rpc.is_public} == PUBLIC_RPCS
    assert "BatchGetPosts" not in text  # internal RPCs are never routed
