"""The gateway's Envoy config for the Helm chart (deploy/helm/feedmesh, docs/kubernetes.md).

    python -m gateway.kubernetes --out deploy/helm/feedmesh/files/gateway     # make k8s-render

The same template and settings as the local gateway, with what differs in a cluster:
- the services' replicas are found by DNS through their headless Services (`feedmesh-<svc>-pods`): Envoy resolves
  every pod (STRICT_DNS) and balances per request, where a ClusterIP would pin each HTTP/2 connection to one pod;
- the object store, Zipkin and Prometheus are the chart's ExternalName Services (`feedmesh-s3`, ...), so the config
  names no real host: the chart's values point those names at the real servers;
- the public listener binds every address; the admin stays on loopback, and a probe listener passes on only its
  `/ready` (the kubelet's probes) and `/stats/prometheus` (scrapes);
- the files the config names are where the image (deploy/Containerfile) and the chart's volumes put them.
Ports are those of stack/defaults.env (the chart's values must agree: tests/unit/deploy checks it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.render import ROOT, render
from gateway.settings import SERVICES, load_gateway_settings
from stack.settings import load_settings

APP_DIR = "/app"
"""Where deploy/Containerfile puts the checkout."""
CACHE_DIR = "/opt/feedmesh/cache"
"""FEEDMESH_CACHE in the image: its npm packages (Swagger UI, the dashboard's chart library) under npm/node_modules."""
CONFIG_DIR = "/etc/feedmesh/gateway"
"""Where the chart mounts the ConfigMap holding this config and its descriptor set."""
MEDIA_CACHE_DIR = "/var/cache/feedmesh/media-cache"
"""The media cache: an emptyDir volume of the gateway's pod, bounded by FEEDMESH_MEDIA_CACHE_MAX_BYTES."""
PROBE_PORT = 9903
"""The probe listener's port (the chart's gateway.probePort)."""


HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"


def service_name(process: str) -> str:
    """The chart's ClusterIP Service of a process (what peers dial)."""
    return f"feedmesh-{process}"


def pods_name(process: str) -> str:
    """The chart's headless Service of a process (each pod's address, for Envoy)."""
    return f"feedmesh-{process}-pods"


def _port(address: str) -> str:
    return address.rsplit(":", 1)[1]


def kubernetes_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings the cluster's config is rendered from: the stack's (the environment still wins for the gateway's
    own knobs, e.g. FEEDMESH_RATE_READ_PER_MIN or FEEDMESH_CORS_ORIGINS) with every address moved to its Service."""
    base = dict(os.environ if environ is None else environ)
    values = load_settings(base).values
    moved = {
        "FEEDMESH_GATEWAY_HOST": "0.0.0.0",
        "FEEDMESH_S3_ENDPOINT": f"http://{service_name('s3')}:{values['FEEDMESH_S3_PORT']}",
        "FEEDMESH_TRACES_URL": f"http://{service_name('zipkin')}:{values['FEEDMESH_ZIPKIN_PORT']}",
        "FEEDMESH_PROMETHEUS_URL": f"http://{service_name('prometheus')}:{values['FEEDMESH_PROMETHEUS_PORT']}",
        "FEEDMESH_CACHE": str(Path(values.get("FEEDMESH_CACHE", "") or Path.home() / ".cache" / "feedmesh")),
    }
    for svc in SERVICES:
        target = values[f"FEEDMESH_{svc.upper()}_TARGET"]
        moved[f"FEEDMESH_GATEWAY_{svc.upper()}_ENDPOINTS"] = f"{pods_name(svc)}:{_port(target)}"
    return {**base, **moved}


def probe_blocks(admin_port: int) -> dict[str, Any]:
    """The probe listener (exact paths only, GET) and the loopback cluster of the admin behind it."""
    read_only = [{"name": ":method", "string_match": {"exact": "GET"}}]
    routes: list[dict[str, Any]] = [
        {"match": {"path": path, "headers": read_only}, "route": {"cluster": "envoy_admin", "timeout": "2s"}}
        for path in ("/ready", "/stats/prometheus")
    ]
    routes.append(
        {"match": {"prefix": "/"}, "direct_response": {"status": 404, "body": {"inline_string": "not found\n"}}}
    )
    manager = {
        "@type": HCM_TYPE,
        "stat_prefix": "probes",
        "http_filters": [
            {
                "name": "envoy.filters.http.router",
                "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
            }
        ],
        "route_config": {"virtual_hosts": [{"name": "probes", "domains": ["*"], "routes": routes}]},
    }
    listener = {
        "name": "probes",
        "address": {"socket_address": {"address": "0.0.0.0", "port_value": PROBE_PORT}},
        "filter_chains": [
            {"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": manager}]}
        ],
    }
    admin = {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}
    cluster = {
        "name": "envoy_admin",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": "envoy_admin",
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": admin}}]}],
        },
    }
    return {"probe_listeners": [listener], "probe_clusters": [cluster]}


def render_for_kubernetes(out_dir: Path, environ: Mapping[str, str] | None = None, *, relocated: bool = True) -> Path:
    """Writes the chart's envoy.yaml and descriptor set into out_dir; returns the config's path. Not `relocated`,
    the config names the files where they are here, so that `envoy --mode validate` can check it on this machine."""
    settings = load_gateway_settings(kubernetes_environ(environ))
    moves = {
        out_dir / "media-cache": MEDIA_CACHE_DIR,
        out_dir: CONFIG_DIR,
        Path(settings.npm_modules).parent.parent: CACHE_DIR,
        ROOT: APP_DIR,
    }
    config = render(settings, out_dir, extra=probe_blocks(settings.admin_port), moves=moves if relocated else {})
    cache = out_dir / "media-cache"
    if relocated and cache.is_dir() and not any(cache.iterdir()):
        cache.rmdir()  # render() makes it for a local gateway; in the cluster it is a volume
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.kubernetes", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory (the chart's files/gateway)")
    args = parser.parse_args(argv)
    try:
        print(render_for_kubernetes(args.out.resolve()))
    except (ValueError, KeyError, FileNotFoundError) as exc:
        print(f"gateway: cannot render the chart's Envoy config: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
