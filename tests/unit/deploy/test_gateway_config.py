"""The chart's Envoy config (gateway/kubernetes.py): Envoy accepts it, and it differs from the local gateway's only
where a cluster differs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gateway import kubernetes, process
from gateway.render import relocate


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kubernetes.render_for_kubernetes(tmp_path_factory.mktemp("gw"), environ={}, relocated=False)


def test_envoy_accepts_the_kubernetes_config(config: Path) -> None:
    result = process.validate(config)
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_are_reached_through_their_headless_services(config: Path) -> None:
    clusters = {c["name"]: c for c in yaml.safe_load(config.read_text())["static_resources"]["clusters"]}
    for svc in ("auth", "graph", "post", "timeline", "media"):
        (endpoint,) = clusters[svc]["load_assignment"]["endpoints"][0]["lb_endpoints"]
        assert endpoint["endpoint"]["address"]["socket_address"]["address"] == kubernetes.pods_name(svc)
        assert clusters[svc]["type"] == "STRICT_DNS"  # every pod's address, balanced per request
    store = clusters["media_store"]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]
    assert store["endpoint"]["address"]["socket_address"]["address"] == kubernetes.service_name("s3")


def test_relocation_moves_nested_directories_on_their_own() -> None:
    moves = {Path("/src"): "/app", Path("/src/out"): "/etc/gw"}
    assert relocate("a: /src/out/x.binpb\nb: /src/gen/y.json", moves) == "a: /etc/gw/x.binpb\nb: /app/gen/y.json"


def test_the_committed_config_serves_the_web_app() -> None:
    """make k8s-render builds the web app first: a config rendered without it would answer / with 503."""
    committed = (kubernetes.ROOT / "deploy" / "helm" / "feedmesh" / "files" / "gateway" / "envoy.yaml").read_text()
    assert "web_not_built" not in committed
    assert "/app/web/dist/index.html" in committed
