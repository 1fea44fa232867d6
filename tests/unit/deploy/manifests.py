"""The committed render of the Helm chart (deploy/rendered/feedmesh.yaml), read once for the tests beside it."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import yaml

from deploy.k8s_render import MANIFESTS

Manifest = dict[str, Any]


@functools.cache
def manifests() -> tuple[Manifest, ...]:
    return tuple(doc for doc in yaml.safe_load_all(MANIFESTS.read_text()) if doc)


def of_kind(kind: str) -> dict[str, Manifest]:
    """name -> manifest of every object of this kind."""
    return {m["metadata"]["name"]: m for m in manifests() if m["kind"] == kind}


def containers(deployment: Manifest) -> list[dict[str, Any]]:
    return list(deployment["spec"]["template"]["spec"]["containers"])


def env_of(
    container: dict[str, Any], settings: dict[str, str], secret_placeholder: str = "from-a-secret"
) -> dict[str, str]:
    """The environment a container starts with: the settings ConfigMap (envFrom), then its own env, each Secret
    reference as a placeholder value (the Secrets are the operator's)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == "feedmesh-settings", source
        env.update(settings)
    for var in container.get("env", []):
        env[var["name"]] = var.get("value", secret_placeholder)
    return env


def process_deployments() -> Iterator[tuple[str, Manifest]]:
    """(process, Deployment) of every service process (the gateway left out)."""
    for name, deployment in of_kind("Deployment").items():
        if name != "feedmesh-gateway":
            yield name.removeprefix("feedmesh-"), deployment
