"""The public API and the internal one are apart: the internal services (feedmesh.<svc>.internal.v1, generated into
gen/feedmesh/<svc>/internal/v1) are missing from the descriptor set the gateway transcodes with and from the OpenAPI
document, have no route to a service in the rendered Envoy config, and meet the `internal_services` route first,
which answers 404 (UNIMPLEMENTED to native gRPC callers). Needs no running server."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from gateway.render import render
from gateway.routes import INTERNAL_PATHS, grpc_services, is_internal_package, load_rpcs
from gateway.settings import load_gateway_settings

GEN = Path(__file__).resolve().parents[2] / "gen"


def internal_methods() -> list[str]:
    """The gRPC path of every method of every generated internal service."""
    paths: list[str] = []
    for module_file in sorted(GEN.glob("feedmesh/*/internal/v1/*_pb2.py")):
        module = importlib.import_module(".".join(module_file.relative_to(GEN).with_suffix("").parts))
        for service in module.DESCRIPTOR.services_by_name.values():
            paths.extend(f"/{service.full_name}/{method.name}" for method in service.methods)
    return paths


def routes_of(config: dict[str, Any]) -> list[dict[str, Any]]:
    managers = [
        chain_filter["typed_config"]
        for listener in config["static_resources"]["listeners"]
        for chain in listener["filter_chains"]
        for chain_filter in chain["filters"]
        if chain_filter["name"] == "envoy.filters.network.http_connection_manager"
    ]
    return [route for m in managers for host in m["route_config"]["virtual_hosts"] for route in host["routes"]]


def test_every_internal_service_is_apart_from_the_public_api(tmp_path: Path) -> None:
    methods = internal_methods()
    services = {path.rsplit("/", 1)[0].lstrip("/") for path in methods}
    assert {
        "feedmesh.auth.internal.v1.AuthInternalService",
        "feedmesh.graph.internal.v1.GraphInternalService",
        "feedmesh.post.internal.v1.PostInternalService",
        "feedmesh.media.internal.v1.MediaInternalService",
        "feedmesh.engagement.internal.v1.EngagementInternalService",
        "feedmesh.engagement.internal.v1.EngagementAdminService",
        "feedmesh.ranking.internal.v1.RankingService",
        "feedmesh.lake.internal.v1.LakeService",
    } == services

    settings = load_gateway_settings()
    files = descriptor_pb2.FileDescriptorSet.FromString(settings.descriptor_source.read_bytes())
    assert not [f.name for f in files.file if is_internal_package(f.package) or "/internal/" in f.name]
    rpcs = load_rpcs(settings.descriptor_source)
    assert not set(grpc_services(rpcs)) & services

    config = yaml.safe_load(render(settings, tmp_path).read_text())
    routes = routes_of(config)
    names = [route.get("name") for route in routes]
    refusal = routes[names.index("internal_services")]
    assert refusal["direct_response"] == {"status": 404}
    # first among the API's routes: before every RPC route, the gRPC catch-all and the REST fallback
    assert names.index("internal_services") < min(names.index(rpc.full_name) for rpc in rpcs)
    assert names.index("internal_services") < names.index("no_such_method") < names.index("rest")
    pattern = re.compile(refusal["match"]["safe_regex"]["regex"])
    assert refusal["match"]["safe_regex"]["regex"] == INTERNAL_PATHS
    # Envoy's route regex must match the whole path (the query string aside)
    assert all(pattern.fullmatch(path) for path in methods)
    assert not [rpc.grpc_path for rpc in rpcs if pattern.fullmatch(rpc.grpc_path)]
    others = [route for route in routes if route.get("name") != "internal_services"]
    assert not [route for route in others if any(service in json.dumps(route) for service in services)]

    openapi = settings.openapi_path.read_text()
    assert not [service for service in services if service.rsplit(".", 1)[1] in openapi]


def test_every_public_rpc_is_routed() -> None:
    """A client generated from proto/feedmesh/*/v1 holds exactly what the gateway serves: every method of the public
    packages has a google.api.http annotation."""
    files = descriptor_pb2.FileDescriptorSet.FromString(load_gateway_settings().descriptor_source.read_bytes())
    unrouted = [
        f"{file.package}.{service.name}/{method.name}"
        for file in files.file
        if file.package.startswith("feedmesh.")
        for service in file.service
        for method in service.method
        if not method.options.Extensions[annotations_pb2.http].WhichOneof("pattern")
    ]
    assert unrouted == []


def test_an_annotated_internal_rpc_stops_the_render(tmp_path: Path) -> None:
    files = descriptor_pb2.FileDescriptorSet.FromString(load_gateway_settings().descriptor_source.read_bytes())
    leaked = descriptor_pb2.FileDescriptorProto(
        name="feedmesh/post/internal/v1/leak.proto", package="feedmesh.post.internal.v1"
    )
    method = leaked.service.add(name="PostInternalService").method.add(
        name="BatchGetPosts", input_type=".google.protobuf.Empty", output_type=".google.protobuf.Empty"
    )
    method.options.Extensions[annotations_pb2.http].get = "/v1/internal/posts"
    files.file.append(leaked)
    descriptor_set = tmp_path / "leak.binpb"
    descriptor_set.write_bytes(files.SerializeToString())
    with pytest.raises(
        ValueError, match=re.escape("feedmesh.post.internal.v1.PostInternalService/BatchGetPosts is internal")
    ):
        load_rpcs(descriptor_set)
