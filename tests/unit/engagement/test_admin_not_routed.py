"""The admin service is internal: in the descriptor set the gateway reads, but without google.api.http
annotations, so the generated Envoy config neither routes nor transcodes it, and the public OpenAPI document does
not mention it. A gRPC call to it through the gateway meets the catch-all `no_such_method` route (404)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from google.protobuf import descriptor_pb2

from gateway.render import render
from gateway.routes import grpc_services, load_rpcs
from gateway.settings import load_gateway_settings

ADMIN = "feedmesh.engagement.v1.EngagementAdminService"


def test_the_admin_service_is_in_the_contracts_but_not_in_the_gateway(tmp_path: Path) -> None:
    settings = load_gateway_settings()
    files = descriptor_pb2.FileDescriptorSet.FromString(settings.descriptor_source.read_bytes())
    declared = {f"{file.package}.{service.name}" for file in files.file for service in file.service}
    assert ADMIN in declared

    rpcs = load_rpcs(settings.descriptor_source)
    assert not [rpc for rpc in rpcs if rpc.full_name.startswith(ADMIN)]
    assert ADMIN not in grpc_services(rpcs)

    config = yaml.safe_load(render(settings, tmp_path).read_text())
    managers = [
        chain_filter["typed_config"]
        for listener in config["static_resources"]["listeners"]
        for chain in listener["filter_chains"]
        for chain_filter in chain["filters"]
    ]
    routes = [route for m in managers for host in m["route_config"]["virtual_hosts"] for route in host["routes"]]
    assert routes and not [route for route in routes if ADMIN in json.dumps(route)]
    # what is not routed by its gRPC path: any other gRPC call ends at the catch-all, before the REST fallback
    names = [route.get("name") for route in routes]
    catch_all = routes[names.index("no_such_method")]
    assert catch_all["match"] == {"prefix": "/", "grpc": {}} and catch_all["direct_response"] == {"status": 404}
    assert names.index("no_such_method") < names.index("rest")
    transcoded = [
        http_filter["typed_config"]["services"]
        for m in managers
        for http_filter in m["http_filters"]
        if http_filter["name"] == "envoy.filters.http.grpc_json_transcoder"
    ]
    assert transcoded and all(ADMIN not in services for services in transcoded)
    assert any("feedmesh.engagement.v1.EngagementService" in services for services in transcoded)

    assert "EngagementAdminService" not in settings.openapi_path.read_text()
