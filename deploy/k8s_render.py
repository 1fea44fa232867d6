"""`make k8s-render`: the Helm chart's manifests, rendered into deploy/rendered/ (committed) with a stamp of what they
were rendered from, so that `make test` checks them without helm (tests/unit/deploy).

    python -m deploy.k8s_render --helm ~/.cache/feedmesh/go/bin/helm     # gateway config, helm template, stamp
    python -m deploy.k8s_render --check                                  # exit 1 if the stamp is stale

The stamp holds the SHA-256 of every input: the chart's files (values, templates, and the gateway's Envoy config in
files/gateway/, itself rendered here from the inputs below), and what that config is rendered from (the Envoy
template, the gateway's code, the descriptor set and OpenAPI document, the pages it serves, stack/defaults.env).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "deploy" / "helm" / "feedmesh"
GATEWAY_FILES = CHART / "files" / "gateway"
RENDERED = ROOT / "deploy" / "rendered"
MANIFESTS = RENDERED / "feedmesh.yaml"
STAMP = RENDERED / "stamp.json"
RELEASE = "feedmesh"
NAMESPACE = "feedmesh"
KUBE_VERSION = "1.37.0"
"""The Kubernetes version the manifests are rendered and validated for (kubernetes-validate ships its schemas)."""

# What the gateway's config is rendered from, besides the chart (globs under the checkout).
GATEWAY_INPUTS = (
    "envoy/envoy.yaml.tmpl",
    "gateway/*.py",
    "gateway/docs_page/*",
    "dashboard/*",
    "gen/feedmesh.binpb",
    "gen/openapi/feedmesh.openapi.json",
    "stack/defaults.env",
    "web/index.html",
    "web/src/*",
    "web/vite.config.ts",
    "web/package-lock.json",
)


def inputs() -> list[Path]:
    """Every file the rendered manifests depend on, sorted."""
    files = {p for p in CHART.rglob("*") if p.is_file()}
    for pattern in GATEWAY_INPUTS:
        files |= {p for p in ROOT.glob(pattern) if p.is_file()}
    return sorted(files)


def digests() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs()}


def stale() -> list[str]:
    """The inputs whose hash differs from the stamp's (or that are new or gone); empty when the render is current."""
    if not STAMP.is_file():
        return [str(STAMP.relative_to(ROOT)) + " (missing)"]
    recorded: dict[str, str] = json.loads(STAMP.read_text())["inputs"]
    now = digests()
    return sorted(name for name in recorded.keys() | now.keys() if recorded.get(name) != now.get(name))


def render(helm: str) -> None:
    subprocess.run([sys.executable, "-m", "gateway.kubernetes", "--out", str(GATEWAY_FILES)], check=True, cwd=ROOT)
    version = subprocess.run([helm, "version", "--short"], check=True, capture_output=True, text=True).stdout.strip()
    manifests = subprocess.run(
        [
            helm,
            "template",
            RELEASE,
            str(CHART),
            "--namespace",
            NAMESPACE,
            "--kube-version",
            KUBE_VERSION,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    RENDERED.mkdir(parents=True, exist_ok=True)
    MANIFESTS.write_text(manifests)
    STAMP.write_text(json.dumps({"helm": version, "kube_version": KUBE_VERSION, "inputs": digests()}, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.k8s_render", description=__doc__.split("\n")[0])
    parser.add_argument("--helm", help="the helm binary (make k8s-render builds it into the cache)")
    parser.add_argument("--check", action="store_true", help="only check that the committed render is current")
    args = parser.parse_args(argv)
    if args.check or not args.helm:
        changed = stale()
        for name in changed:
            print(f"changed since the last `make k8s-render`: {name}", file=sys.stderr)
        return 1 if changed else 0
    render(args.helm)
    print(f"{MANIFESTS.relative_to(ROOT)} and {STAMP.relative_to(ROOT)} written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
