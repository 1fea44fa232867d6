"""The committed manifests are valid Kubernetes objects and rendered from the chart as it is now (no helm needed:
`make k8s-render` renders them and stamps its inputs)."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest

from deploy.k8s_render import KUBE_VERSION, stale
from tests.unit.deploy.manifests import manifests, of_kind


def test_the_render_is_not_stale() -> None:
    assert stale() == [], "the chart or the gateway's config changed: run `make k8s-render` and commit deploy/"


def test_every_manifest_validates_against_the_kubernetes_schemas() -> None:
    """Strict: an unknown or misplaced field fails, as `kubectl apply --validate=strict` would."""
    assert len(manifests()) > 40
    for manifest in manifests():
        kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)


def test_strict_validation_catches_a_misplaced_field() -> None:
    """Guards the test above: the schemas are there (offline) and a field in the wrong place fails."""
    deployment = copy.deepcopy(next(iter(of_kind("Deployment").values())))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {"grpc": {"port": 1}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSION, strict=True)
