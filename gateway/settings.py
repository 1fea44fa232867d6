"""The gateway's settings: the stack's addresses (stack/defaults.env, the environment wins) plus the gateway's own
FEEDMESH_* variables, read when the config is rendered, i.e. when the gateway starts. A malformed value stops the
render with a message naming the variable.

| variable | default | |
|---|---|---|
| FEEDMESH_GATEWAY_PORT, FEEDMESH_ENVOY_ADMIN_PORT | 8080, 9901 | listener, admin (on FEEDMESH_GATEWAY_HOST) |
| FEEDMESH_GATEWAY_JWKS_PORT | 9902 | loopback listener the JWT filter fetches the JWKS through |
| FEEDMESH_RATE_READ_PER_MIN / _WRITE_ / _PUBLIC_ | 600 / 120 / 30 | per user (reads, writes), per address (public) |
| FEEDMESH_CORS_ORIGINS | http://localhost:3000,http://127.0.0.1:3000 | comma-separated; `*` for any |
| FEEDMESH_GATEWAY_<SVC>_ENDPOINTS | FEEDMESH_<SVC>_TARGET | host:port,host:port... the replicas of a service |
| FEEDMESH_RATELIMIT_TARGET | (empty) | host:port of the global rate limit service (docs/cluster.md); empty: none |
| FEEDMESH_GATEWAY_JWKS_CACHE_SECONDS | 60 | keep it under FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS |
| FEEDMESH_GATEWAY_MAX_BODY_BYTES | 1048576 | larger request bodies get 413 |
| FEEDMESH_GATEWAY_MAX_HEADERS_KB | 32 | request line (URL) plus headers; larger get 431 (at most 32) |
| FEEDMESH_GATEWAY_MAX_HEADERS_COUNT | 64 | more request headers get 431 |
| FEEDMESH_GATEWAY_HEADERS_TIMEOUT_SECONDS | 10 | headers not complete by then: the connection is closed (slowloris) |
| FEEDMESH_GATEWAY_REQUEST_TIMEOUT_SECONDS | 30 | a request (headers and body) not complete by then gets 408 |
| FEEDMESH_GATEWAY_STREAM_IDLE_SECONDS | 60 | a stream with no bytes either way for this long is reset |
| FEEDMESH_GATEWAY_MAX_CONNECTIONS | 4096 | open connections of the public listener; more are closed at once |
| FEEDMESH_GATEWAY_H2_MAX_STREAMS | 128 | concurrent HTTP/2 streams per connection |
| FEEDMESH_MEDIA_CACHE_MAX_AGE | 86400 | Cache-Control max-age of GET /media/{ref} |
| FEEDMESH_GATEWAY_STREAM_MAX_SECONDS | 3600 | a server stream is ended after this; clients reconnect |
| FEEDMESH_DASHBOARD_PORT | 8081 | the operators' dashboard and its read-only Prometheus path, on 127.0.0.1 only |
| FEEDMESH_PROMETHEUS_URL | http://127.0.0.1:9090 | the Prometheus the dashboard reads |
| FEEDMESH_CACHE | ~/.cache/feedmesh | where `make setup` put the dashboard's chart library (npm `uplot`) |
| FEEDMESH_TRACES_URL | http://127.0.0.1:9411 | Zipkin, where spans go; empty: the gateway traces nothing |
| FEEDMESH_TRACE_SAMPLE_PERCENT | 1 | percent of requests traced (one with a sampled traceparent always is) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from stack.settings import ROOT, load_settings

# where `make setup` installs npm packages (the dashboard's chart library)
DEFAULT_CACHE = Path.home() / ".cache" / "feedmesh"

SERVICES = ("auth", "graph", "post", "timeline", "ranking", "engagement", "notification", "media")


class GatewaySettingsError(ValueError):
    """A gateway setting is malformed; the message names the variable."""


@dataclass(frozen=True)
class GatewaySettings:
    host: str = "127.0.0.1"
    port: int = 8080
    admin_port: int = 9901
    jwks_port: int = 9902
    jwt_issuer: str = "feedmesh-auth"
    jwt_audience: str = "feedmesh"
    jwks_cache_seconds: int = 60
    rate_read_per_min: int = 600
    rate_write_per_min: int = 120
    rate_public_per_min: int = 30
    rate_max_tracked: int = 100000  # users and addresses with a bucket of their own (least recently used go)
    max_request_bytes: int = 1024 * 1024
    # Resource abuse (docs/resource-limits.md): each bound is what one client may hold of the gateway.
    max_request_headers_kb: int = 32
    max_headers_count: int = 64
    request_headers_timeout_seconds: int = 10
    request_timeout_seconds: int = 30
    stream_idle_seconds: int = 60
    max_connections: int = 4096
    h2_max_concurrent_streams: int = 128
    route_timeout_seconds: int = 10
    read_try_timeout_seconds: int = 4
    # Server streams have no route timeout (they are meant to stay open) but end after this, so a gateway drains.
    stream_max_seconds: int = 3600
    health_interval_seconds: int = 5
    cors_origins: tuple[str, ...] = ("http://localhost:3000", "http://127.0.0.1:3000")
    s3_bucket: str = "feedmesh-media"
    s3_host: str = "127.0.0.1"
    s3_port: int = 7070
    media_max_age_seconds: int = 86400
    # The media cache lives on disk under the rendered config's directory; past this size the least recently used
    # entries go.
    media_cache_max_bytes: int = 256 * 1024 * 1024
    descriptor_source: Path = ROOT / "gen" / "feedmesh.binpb"
    openapi_path: Path = ROOT / "gen" / "openapi" / "feedmesh.openapi.json"
    dashboard_port: int = 8081
    prometheus_host: str = "127.0.0.1"
    prometheus_port: int = 9090
    npm_modules: Path = DEFAULT_CACHE / "npm" / "node_modules"
    # Zipkin's (host, port), or None: no tracing; the percent of requests sampled at the edge
    traces: tuple[str, int] | None = None
    trace_sample_percent: float = 1.0
    # service -> its replicas as (host, port); a service with none answers 503
    endpoints: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    # the global rate limit service (envoyproxy/ratelimit, the cluster topology: docs/cluster.md); None: per-process
    # buckets only
    rate_limit_service: tuple[str, int] | None = None

    @property
    def chart_library_dir(self) -> Path:
        """uPlot's browser build, which the dashboard page loads."""
        return self.npm_modules / "uplot" / "dist"

    @property
    def api_reference_dir(self) -> Path:
        """Swagger UI's browser build, which the API reference page at /docs loads."""
        return self.npm_modules / "swagger-ui-dist"


def _int(values: Mapping[str, str], name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = values.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise GatewaySettingsError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise GatewaySettingsError(f"{name}={value} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise GatewaySettingsError(f"{name}={value} must be <= {maximum}")
    return value


def parse_endpoints(name: str, raw: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` -> ((host, port), ...); empty -> ()."""
    out = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        host, sep, port = part.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise GatewaySettingsError(f"{name}: {part!r} is not host:port")
        out.append((host, int(port)))
    return tuple(out)


def load_gateway_settings(environ: Mapping[str, str] | None = None) -> GatewaySettings:
    values = load_settings(environ).values
    defaults = GatewaySettings()
    endpoints = {}
    for svc in SERVICES:
        name = f"FEEDMESH_GATEWAY_{svc.upper()}_ENDPOINTS"
        if values.get(name, "") == "":
            name = f"FEEDMESH_{svc.upper()}_TARGET"
        endpoints[svc] = parse_endpoints(name, values.get(name, ""))
    s3 = urlsplit(values.get("FEEDMESH_S3_ENDPOINT", "http://127.0.0.1:7070"))
    if s3.scheme != "http" or not s3.hostname:
        raise GatewaySettingsError(
            f"FEEDMESH_S3_ENDPOINT={values.get('FEEDMESH_S3_ENDPOINT')!r}: the gateway reads media over plain http://"
        )
    prometheus = urlsplit(values.get("FEEDMESH_PROMETHEUS_URL", "") or "http://127.0.0.1:9090")
    if prometheus.scheme != "http" or not prometheus.hostname:
        raise GatewaySettingsError(
            f"FEEDMESH_PROMETHEUS_URL={values.get('FEEDMESH_PROMETHEUS_URL')!r}: the dashboard reads it over plain http://"
        )
    cache = Path(values.get("FEEDMESH_CACHE", "") or DEFAULT_CACHE)
    traces = _traces_address(values.get("FEEDMESH_TRACES_URL", ""))
    percent = values.get("FEEDMESH_TRACE_SAMPLE_PERCENT", "") or "1"
    try:
        sample_percent = float(percent)
    except ValueError:
        raise GatewaySettingsError(f"FEEDMESH_TRACE_SAMPLE_PERCENT={percent!r} is not a number") from None
    if not 0 <= sample_percent <= 100:
        raise GatewaySettingsError(f"FEEDMESH_TRACE_SAMPLE_PERCENT={percent!r} must be between 0 and 100")
    origins = tuple(o.strip() for o in values.get("FEEDMESH_CORS_ORIGINS", "").split(",") if o.strip())
    return GatewaySettings(
        host=values.get("FEEDMESH_GATEWAY_HOST", "") or defaults.host,
        port=_int(values, "FEEDMESH_GATEWAY_PORT", defaults.port),
        admin_port=_int(values, "FEEDMESH_ENVOY_ADMIN_PORT", defaults.admin_port),
        jwks_port=_int(values, "FEEDMESH_GATEWAY_JWKS_PORT", defaults.jwks_port),
        jwt_issuer=values.get("FEEDMESH_JWT_ISSUER", "") or defaults.jwt_issuer,
        jwt_audience=values.get("FEEDMESH_JWT_AUDIENCE", "") or defaults.jwt_audience,
        jwks_cache_seconds=_int(values, "FEEDMESH_GATEWAY_JWKS_CACHE_SECONDS", defaults.jwks_cache_seconds),
        rate_read_per_min=_int(values, "FEEDMESH_RATE_READ_PER_MIN", defaults.rate_read_per_min),
        rate_write_per_min=_int(values, "FEEDMESH_RATE_WRITE_PER_MIN", defaults.rate_write_per_min),
        rate_public_per_min=_int(values, "FEEDMESH_RATE_PUBLIC_PER_MIN", defaults.rate_public_per_min),
        max_request_bytes=_int(values, "FEEDMESH_GATEWAY_MAX_BODY_BYTES", defaults.max_request_bytes),
        # the services accept twice this in metadata (services.common.server.MAX_METADATA_BYTES)
        max_request_headers_kb=_int(
            values, "FEEDMESH_GATEWAY_MAX_HEADERS_KB", defaults.max_request_headers_kb, maximum=32
        ),
        max_headers_count=_int(values, "FEEDMESH_GATEWAY_MAX_HEADERS_COUNT", defaults.max_headers_count),
        request_headers_timeout_seconds=_int(
            values, "FEEDMESH_GATEWAY_HEADERS_TIMEOUT_SECONDS", defaults.request_headers_timeout_seconds
        ),
        request_timeout_seconds=_int(
            values, "FEEDMESH_GATEWAY_REQUEST_TIMEOUT_SECONDS", defaults.request_timeout_seconds
        ),
        stream_idle_seconds=_int(values, "FEEDMESH_GATEWAY_STREAM_IDLE_SECONDS", defaults.stream_idle_seconds),
        max_connections=_int(values, "FEEDMESH_GATEWAY_MAX_CONNECTIONS", defaults.max_connections),
        h2_max_concurrent_streams=_int(values, "FEEDMESH_GATEWAY_H2_MAX_STREAMS", defaults.h2_max_concurrent_streams),
        cors_origins=origins or defaults.cors_origins,
        s3_bucket=values.get("FEEDMESH_S3_BUCKET", "") or defaults.s3_bucket,
        s3_host=s3.hostname,
        s3_port=s3.port or 80,
        media_max_age_seconds=_int(values, "FEEDMESH_MEDIA_CACHE_MAX_AGE", defaults.media_max_age_seconds),
        media_cache_max_bytes=_int(values, "FEEDMESH_MEDIA_CACHE_MAX_BYTES", defaults.media_cache_max_bytes),
        stream_max_seconds=_int(values, "FEEDMESH_GATEWAY_STREAM_MAX_SECONDS", defaults.stream_max_seconds),
        dashboard_port=_int(values, "FEEDMESH_DASHBOARD_PORT", defaults.dashboard_port),
        prometheus_host=prometheus.hostname,
        prometheus_port=prometheus.port or 80,
        npm_modules=cache / "npm" / "node_modules",
        traces=traces,
        trace_sample_percent=sample_percent,
        endpoints=endpoints,
        rate_limit_service=_rate_limit_service(values.get("FEEDMESH_RATELIMIT_TARGET", "")),
    )


def _rate_limit_service(raw: str) -> tuple[str, int] | None:
    found = parse_endpoints("FEEDMESH_RATELIMIT_TARGET", raw)
    if len(found) > 1:
        raise GatewaySettingsError(f"FEEDMESH_RATELIMIT_TARGET={raw!r}: one host:port")
    return found[0] if found else None


def _traces_address(url: str) -> tuple[str, int] | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise GatewaySettingsError(f"FEEDMESH_TRACES_URL={url!r}: the gateway sends spans over plain http://")
    return parts.hostname, parts.port or 80
