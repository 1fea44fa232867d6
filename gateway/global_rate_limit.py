"""The global rate limit (the cluster topology, docs/cluster.md): Envoy's `ratelimit` filter asks the rate limit
service (envoyproxy/ratelimit, counters in Redis) before a request goes on, so a user's budget holds across the
gateway's replicas; the per-process buckets of `local_ratelimit` stay in front of it. The descriptors are the local
ones for signed-in users: (user, budget=read|write), with limits in stack/conf/ratelimit.yaml from the same settings.
The filter sits after the transcoder (a REST call is a gRPC path by then, as the read-path regex expects)."""

from __future__ import annotations

from typing import Any

from gateway.settings import GatewaySettings

CLUSTER = "ratelimit"
DOMAIN = "feedmesh"
USER_HEADER = "x-feedmesh-user-id"


def _user_budget(budget: str, headers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "actions": [
            {"request_headers": {"header_name": USER_HEADER, "descriptor_key": "user"}},
            {"header_value_match": {"descriptor_key": "budget", "descriptor_value": budget, "headers": headers}},
        ]
    }


def rate_limits(read_paths_regex: str) -> list[dict[str, Any]]:
    """A read is a GET or a gRPC method whose REST mapping is a GET; a write is anything else, as for local buckets."""
    get = {"name": ":method", "string_match": {"exact": "GET"}}
    read_path = {"name": ":path", "string_match": {"safe_regex": {"regex": read_paths_regex}}}
    return [
        _user_budget("read", [get]),
        _user_budget("read", [read_path]),
        _user_budget("write", [{**get, "invert_match": True}, {**read_path, "invert_match": True}]),
    ]


def filters(settings: GatewaySettings, read_paths_regex: str) -> list[dict[str, Any]]:
    if settings.rate_limit_service is None:
        return []
    return [
        {
            "name": "envoy.filters.http.ratelimit",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
                "domain": DOMAIN,
                # The service or its Redis down: requests go on under the per-process buckets alone, rather than
                # the whole API failing with the limiter.
                "failure_mode_deny": False,
                "timeout": "0.1s",
                "enable_x_ratelimit_headers": "DRAFT_VERSION_03",
                "rate_limited_as_resource_exhausted": True,
                "rate_limits": rate_limits(read_paths_regex),
                "rate_limit_service": {
                    "grpc_service": {"envoy_grpc": {"cluster_name": CLUSTER}},
                    "transport_api_version": "V3",
                },
            },
        }
    ]


def clusters(settings: GatewaySettings) -> list[dict[str, Any]]:
    if settings.rate_limit_service is None:
        return []
    host, port = settings.rate_limit_service
    endpoint = {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}
    return [
        {
            "name": CLUSTER,
            "type": "STATIC",
            "connect_timeout": "0.5s",
            "load_assignment": {"cluster_name": CLUSTER, "endpoints": [{"lb_endpoints": [endpoint]}]},
            "typed_extension_protocol_options": {
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "explicit_http_config": {"http2_protocol_options": {}},
                }
            },
        }
    ]
