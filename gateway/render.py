"""Renders the gateway's Envoy config: envoy/envoy.yaml.tmpl filled from the stack's settings (stack/defaults.env,
the environment, .run/secrets) into .run/gateway/envoy.yaml, with the descriptor set the transcoder reads.

    python -m gateway.render                 # -> .run/gateway/envoy.yaml (prints the path)
    python -m gateway.render --out DIR       # another directory (a second gateway, tests)
    FEEDMESH_RATE_WRITE_PER_MIN=5 FEEDMESH_GATEWAY_PORT=18080 python -m gateway.render --out /tmp/gw

The template's `${name}` are values; a line holding only `${name}` is a YAML block built here from the descriptor
set (routes, clusters, JWT rules) and the settings (gateway.settings.GatewaySettings).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from google.protobuf import any_pb2, descriptor_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from gateway import api_docs, dashboard, global_rate_limit, web_app
from gateway.local_replies import local_reply_mappers
from gateway.routes import INTERNAL_PATHS, Rpc, grpc_services, load_rpcs
from gateway.settings import GatewaySettings, load_gateway_settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "envoy" / "envoy.yaml.tmpl"
DEFAULT_OUT = ROOT / ".run" / "gateway"

_PLACEHOLDER = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")
_BLOCK = re.compile(r"^( *)\$\{([a-z][a-z0-9_]*)\}[ \t]*$", re.MULTILINE)
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")

# Retries: a read is retried on UNAVAILABLE (another replica when there is one); any call is retried when it never
# reached a service (connection refused, stream refused), which is safe for writes too.
READ_RETRY_ON = "unavailable,connect-failure,refused-stream,reset"
PREVIOUS_HOSTS = "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
WRITE_RETRY_ON = "connect-failure,refused-stream"


def to_yaml(value: Any, indent: int) -> list[str]:
    """Block YAML lines for dicts and lists; scalars as JSON (which is YAML)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = key if _PLAIN_KEY.match(key) else json.dumps(key)
            if isinstance(item, Mapping | list) and item:
                lines.append(f"{pad}{name}:")
                lines.extend(to_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{name}: {json.dumps(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping | list) and item:
                inner = to_yaml(item, indent + 2)
                inner[0] = f"{pad}- {inner[0][indent + 2 :]}"
                lines.extend(inner)
            else:
                lines.append(f"{pad}- {json.dumps(item)}")
    else:
        lines.append(f"{pad}{json.dumps(value)}")
    return lines


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Substitutes the template: block placeholders first (indented YAML), then inline values."""
    missing = {name for name in _PLACEHOLDER.findall(template) if name not in values}
    if missing:
        raise KeyError(f"{TEMPLATE.name} uses undefined placeholders: {', '.join(sorted(missing))}")

    def block(match: re.Match[str]) -> str:
        return "\n".join(to_yaml(values[match.group(2)], len(match.group(1))))

    def inline(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return value if isinstance(value, str) else json.dumps(value)

    return _PLACEHOLDER.sub(inline, _BLOCK.sub(block, template))


# --- the generated blocks -------------------------------------------------------------------------------------
def jwt_rules(rpcs: list[Rpc]) -> list[dict[str, Any]]:
    """Open: the public RPCs (by REST path and method, and by gRPC path), media reads, health, OpenAPI and its
    reference page, the web app's page and assets. Anything else needs a valid token."""
    rules: list[dict[str, Any]] = []
    for rpc in rpcs:
        if rpc.is_public:
            rules.append(
                {
                    "match": {
                        "safe_regex": {"regex": rpc.rest_regex},
                        "headers": [{"name": ":method", "string_match": {"exact": rpc.verb}}],
                    }
                }
            )
            rules.append({"match": {"path": rpc.grpc_path}})
    rules.append({"match": {"prefix": "/media/"}})
    rules.append({"match": {"path": "/healthz"}})
    rules.append({"match": {"path": "/openapi.json"}})
    rules.append({"match": {"path": "/docs"}})
    rules.append({"match": {"prefix": "/docs/"}})
    rules.extend(web_app.jwt_rules())
    rules.append({"match": {"prefix": "/"}, "requires": {"provider_name": "feedmesh_auth"}})
    return rules


def rpc_routes(rpcs: list[Rpc], settings: GatewaySettings) -> list[dict[str, Any]]:
    routes = []
    for rpc in rpcs:
        retry: dict[str, Any] = {
            "retry_on": READ_RETRY_ON if rpc.is_read else WRITE_RETRY_ON,
            "num_retries": 2,
            "retry_host_predicate": [
                {
                    "name": "envoy.retry_host_predicates.previous_hosts",
                    "typed_config": {"@type": PREVIOUS_HOSTS},
                }
            ],
            "host_selection_retry_max_attempts": 3,
        }
        if rpc.streaming:
            routes.append(stream_route(rpc, settings, retry))
            continue
        if rpc.is_read:
            retry["per_try_timeout"] = f"{settings.read_try_timeout_seconds}s"
        routes.append(
            {
                "name": rpc.full_name,
                "match": {"path": rpc.grpc_path},
                # the gateway's span is named after the RPC (docs/observability.md: the slowest feed reads)
                "decorator": {"operation": rpc.grpc_path, "propagate": False},
                "route": {
                    "cluster": rpc.owner,
                    "timeout": f"{settings.route_timeout_seconds}s",
                    # a native gRPC caller's deadline (grpc-timeout) wins when it is shorter
                    "max_stream_duration": {"grpc_timeout_header_max": f"{settings.route_timeout_seconds}s"},
                    "retry_policy": retry,
                },
            }
        )
    return routes


def stream_route(rpc: Rpc, settings: GatewaySettings, retry: dict[str, Any]) -> dict[str, Any]:
    """A server stream stays open: no route timeout (0s disables it) and no per-try timeout, a cap on its whole
    life instead (a caller's shorter grpc-timeout still wins); retried only when it never reached a service. The
    listener's stream idle timeout still applies: the service sends heartbeats well within it."""
    cap = f"{settings.stream_max_seconds}s"
    return {
        "name": rpc.full_name,
        "match": {"path": rpc.grpc_path},
        "route": {
            "cluster": rpc.owner,
            "timeout": "0s",
            "max_stream_duration": {"max_stream_duration": cap, "grpc_timeout_header_max": cap},
            "retry_policy": {**retry, "retry_on": WRITE_RETRY_ON},
        },
    }


def service_clusters(rpcs: list[Rpc], settings: GatewaySettings) -> list[dict[str, Any]]:
    """One HTTP/2 cluster per service with public RPCs, listing its replicas, with active gRPC health checks."""
    services: dict[str, str] = {}
    for rpc in rpcs:
        services.setdefault(rpc.owner, f"{rpc.package}.{rpc.service}")
    clusters = []
    for owner, full_name in sorted(services.items()):
        endpoints = [
            {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}
            for host, port in settings.endpoints.get(owner, ())
        ]
        clusters.append(
            {
                "name": owner,
                "type": "STRICT_DNS",
                "dns_lookup_family": "V4_ONLY",
                "connect_timeout": "1s",
                "load_assignment": {"cluster_name": owner, "endpoints": [{"lb_endpoints": endpoints}]},
                "typed_extension_protocol_options": {
                    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                        "explicit_http_config": {
                            "http2_protocol_options": {"connection_keepalive": {"interval": "30s", "timeout": "5s"}}
                        },
                    }
                },
                "health_checks": [
                    {
                        "timeout": "1s",
                        "interval": f"{settings.health_interval_seconds}s",
                        "no_traffic_interval": f"{settings.health_interval_seconds}s",
                        "unhealthy_threshold": 2,
                        "healthy_threshold": 1,
                        "grpc_health_check": {"service_name": full_name},
                    }
                ],
                "ignore_health_on_host_removal": True,
                **(replica_policies() if len(endpoints) > 1 else {}),
            }
        )
    return clusters


def replica_policies() -> dict[str, Any]:
    """For a service with several replicas (the cluster topology, docs/cluster.md): passive outlier detection, which
    ejects a replica after consecutive gateway errors (a crashed one refuses connections before the next health check
    sees it), and a retry budget, which caps the retries in flight at a fifth of the active requests so that retries
    cannot multiply the load on the replicas left. With one replica both stay off: ejecting the only host helps no
    one."""
    return {
        "outlier_detection": {
            "consecutive_gateway_failure": 3,
            "consecutive_5xx": 5,
            "interval": "2s",
            "base_ejection_time": "5s",
            "max_ejection_percent": 50,
            "split_external_local_origin_errors": True,
            "consecutive_local_origin_failure": 2,
        },
        "circuit_breakers": {
            "thresholds": [
                {"priority": "DEFAULT", "retry_budget": {"budget_percent": {"value": 20.0}, "min_retry_concurrency": 5}}
            ]
        },
    }


def tracing(settings: GatewaySettings) -> dict[str, Any]:
    """The listener's tracing: Envoy's Zipkin tracer (Zipkin takes no OTLP), reading and writing W3C `traceparent`
    beside B3, so the services' OpenTelemetry spans are its children. A request that comes with a trace context
    keeps its sampling decision; the others are sampled at FEEDMESH_TRACE_SAMPLE_PERCENT. Empty without Zipkin."""
    if settings.traces is None:
        return {}
    host, port = settings.traces
    return {
        "tracing": {
            "random_sampling": {"value": settings.trace_sample_percent},
            "provider": {
                "name": "envoy.tracers.zipkin",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig",
                    "collector_cluster": "traces",
                    "collector_endpoint": "/api/v2/spans",
                    "collector_endpoint_version": "HTTP_JSON",
                    "collector_hostname": f"{host}:{port}",
                    "trace_id_128bit": True,
                    "shared_span_context": False,
                    "trace_context_option": "USE_B3_WITH_W3C_PROPAGATION",
                },
            },
        }
    }


def trace_clusters(settings: GatewaySettings) -> list[dict[str, Any]]:
    """Where the tracer sends spans (none without Zipkin)."""
    if settings.traces is None:
        return []
    host, port = settings.traces
    endpoint = {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}
    return [
        {
            "name": "traces",
            "type": "STRICT_DNS",
            "dns_lookup_family": "V4_ONLY",
            "connect_timeout": "1s",
            "load_assignment": {"cluster_name": "traces", "endpoints": [{"lb_endpoints": [endpoint]}]},
        }
    ]


def gateway_descriptor_set(source: Path) -> bytes:
    """gen/feedmesh.binpb plus
    google/rpc/{status,error_details}.proto so that the transcoder prints the ErrorInfo details of an error
    (convert_grpc_status) instead of failing on an unknown Any."""
    files = descriptor_pb2.FileDescriptorSet.FromString(source.read_bytes())
    have = {f.name for f in files.file}
    extra = [status_pb2.DESCRIPTOR, error_details_pb2.DESCRIPTOR]
    for module_descriptor in [any_pb2.DESCRIPTOR, duration_pb2.DESCRIPTOR, *extra]:
        if module_descriptor.name not in have:
            proto = descriptor_pb2.FileDescriptorProto()
            module_descriptor.CopyToProto(proto)
            files.file.append(proto)
            have.add(proto.name)
    return files.SerializeToString(deterministic=True)


def relocate(text: str, moves: Mapping[Path, str]) -> str:
    """Replaces each local path (the longest first, so a directory inside another moves on its own) by where the
    file is at run time, e.g. in a container image."""
    for local in sorted(moves, key=lambda p: len(str(p)), reverse=True):
        text = text.replace(str(local), moves[local])
    return text


def render(
    settings: GatewaySettings,
    out_dir: Path,
    *,
    extra: Mapping[str, Any] | None = None,
    moves: Mapping[Path, str] | None = None,
) -> Path:
    """Writes envoy.yaml and the descriptor set into out_dir; returns the config's path. `extra` fills the blocks
    only another deployment has (gateway.kubernetes: the probe listener), `moves` relocates the paths the config
    names (`relocate`)."""
    if not settings.descriptor_source.is_file():
        raise FileNotFoundError(f"{settings.descriptor_source} is missing: run `make gen`")
    if not settings.openapi_path.is_file():
        raise FileNotFoundError(f"{settings.openapi_path} is missing: run `make gen`")
    out_dir.mkdir(parents=True, exist_ok=True)
    rpcs = load_rpcs(settings.descriptor_source)
    media_cache_dir = out_dir / "media-cache"
    media_cache_dir.mkdir(exist_ok=True)
    descriptor_path = out_dir / "feedmesh-gateway.binpb"
    descriptor_path.write_bytes(gateway_descriptor_set(settings.descriptor_source))
    docs = api_docs.template_values(settings)
    web = web_app.template_values()
    read_paths = "|".join(rpc.grpc_path.replace(".", "\\.") for rpc in rpcs if rpc.is_read)
    values: dict[str, Any] = {
        "node_id": f"feedmesh-gateway-{settings.port}",
        "listen_host": settings.host,
        "gateway_port": settings.port,
        "admin_port": settings.admin_port,
        "jwks_port": settings.jwks_port,
        "jwt_issuer": settings.jwt_issuer,
        "jwt_audience": settings.jwt_audience,
        "jwks_cache_seconds": settings.jwks_cache_seconds,
        "rate_read": settings.rate_read_per_min,
        "rate_write": settings.rate_write_per_min,
        "rate_public": settings.rate_public_per_min,
        "rate_max_tracked": settings.rate_max_tracked,
        "grpc_read_paths": json.dumps(f"^({read_paths})$"),  # a quoted YAML scalar
        "internal_paths": json.dumps(INTERNAL_PATHS),
        "max_request_bytes": settings.max_request_bytes,
        "max_request_headers_kb": settings.max_request_headers_kb,
        "max_headers_count": settings.max_headers_count,
        "request_headers_timeout": f"{settings.request_headers_timeout_seconds}s",
        "request_timeout": f"{settings.request_timeout_seconds}s",
        "stream_idle_timeout": f"{settings.stream_idle_seconds}s",
        "max_connections": settings.max_connections,
        "h2_max_concurrent_streams": settings.h2_max_concurrent_streams,
        "max_direct_response_bytes": max(
            4096, settings.openapi_path.stat().st_size + 1024, docs["docs_max_file_bytes"], web["web_max_file_bytes"]
        ),
        "descriptor_path": str(descriptor_path),
        "grpc_services": grpc_services(rpcs),
        "openapi_path": str(settings.openapi_path),
        "cors_origins": [
            {"safe_regex": {"regex": ".*"}} if origin == "*" else {"exact": origin} for origin in settings.cors_origins
        ],
        "s3_bucket": settings.s3_bucket,
        "s3_host": f"{settings.s3_host}:{settings.s3_port}",
        "s3_address": settings.s3_host,
        "s3_port": settings.s3_port,
        "media_max_age": settings.media_max_age_seconds,
        "media_cache_dir": str(media_cache_dir),
        "media_cache_max_bytes": settings.media_cache_max_bytes,
        "local_reply_mappers": local_reply_mappers(),
        "jwt_rules": jwt_rules(rpcs),
        "rpc_routes": rpc_routes(rpcs, settings),
        "service_clusters": service_clusters(rpcs, settings)
        + trace_clusters(settings)
        + global_rate_limit.clusters(settings),
        "global_rate_limit": global_rate_limit.filters(settings, f"^({read_paths})$"),
        "tracing": tracing(settings),
        "docs_routes": docs["docs_routes"],
        "web_routes": web["web_routes"],
        **dashboard.template_values(settings),
        "probe_listeners": [],
        "probe_clusters": [],
        **(extra or {}),
    }
    config = out_dir / "envoy.yaml"
    tmp = config.with_suffix(".yaml.tmp")
    tmp.write_text(relocate(fill(TEMPLATE.read_text(), values), moves or {}))
    tmp.replace(config)
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.render", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        settings = load_gateway_settings()
        print(render(settings, args.out.resolve()))
    except (ValueError, KeyError, FileNotFoundError) as exc:
        print(f"gateway: cannot render the Envoy config: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
