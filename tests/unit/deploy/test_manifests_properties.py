"""What could break in the chart without failing schema validation: a process without a Deployment, probes,
resources or a disruption budget; an autoscaler aimed at nothing or past what Kafka's partitions can use; a setting a
service refuses to start without; a port that disagrees with stack/defaults.env; a secret written into a manifest."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from gateway import kubernetes as gateway_k8s
from services.common.settings import load_settings as load_service_settings
from stack.settings import load_settings as load_stack_settings
from tests.unit.deploy.manifests import containers, env_of, manifests, of_kind, process_deployments

ROOT = Path(__file__).resolve().parents[3]
DEFAULTS = load_stack_settings({}).defaults
SECRET_VARS = {"FEEDMESH_PG_DSN", "FEEDMESH_S3_ACCESS_KEY", "FEEDMESH_S3_SECRET_KEY"}
READ_PATH = {"gateway", "timeline", "graph", "post"}
FANOUT_WORKERS = {"timeline-ingest": "timeline-fanout", "timeline-store": "timeline-fanout-store"}


def settings_data() -> dict[str, str]:
    return dict(of_kind("ConfigMap")["feedmesh-settings"]["data"])


def make_up_processes() -> set[str]:
    """The processes stack/after-up.d/50-services.sh starts (its SERVICES and WORKERS), plus the gateway."""
    hook = (ROOT / "stack" / "after-up.d" / "50-services.sh").read_text()
    services = re.search(r"^SERVICES=\(([^)]*)\)", hook, re.MULTILINE)
    workers = re.search(r"^WORKERS=\(\n(.*?)\n\)", hook, re.MULTILINE | re.DOTALL)
    assert services and workers
    names = set(services.group(1).split())
    names |= {line.strip().strip('"').split()[0] for line in workers.group(1).splitlines() if line.strip()}
    return names | {"gateway"}


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def test_every_process_of_make_up_has_a_deployment() -> None:
    deployments = {name.removeprefix("feedmesh-") for name in of_kind("Deployment")}
    assert deployments == make_up_processes()


def test_every_container_has_probes_and_resources() -> None:
    for name, deployment in of_kind("Deployment").items():
        for container in containers(deployment):
            for probe in ("readinessProbe", "livenessProbe"):
                assert probe in container, f"{name}: no {probe}"
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"].get(bound, {})), f"{name}: {bound}"


def test_services_are_probed_with_the_grpc_health_protocol_on_their_port() -> None:
    for process, deployment in process_deployments():
        (container,) = containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"]["port"] == ports["grpc"], f"{process} {probe}"


def test_the_gateway_is_probed_on_envoy_ready_through_its_probe_listener() -> None:
    (envoy,) = containers(of_kind("Deployment")["feedmesh-gateway"])
    ports = {p["name"]: p["containerPort"] for p in envoy["ports"]}
    assert ports["probes"] == gateway_k8s.PROBE_PORT
    for probe in ("readinessProbe", "livenessProbe"):
        assert envoy[probe]["httpGet"] == {"path": "/ready", "port": "probes"}
    config = yaml.safe_load(of_kind("ConfigMap")["feedmesh-gateway"]["data"]["envoy.yaml"])
    listeners = {lst["name"]: lst for lst in config["static_resources"]["listeners"]}
    address = listeners["probes"]["address"]["socket_address"]
    assert (address["address"], address["port_value"]) == ("0.0.0.0", gateway_k8s.PROBE_PORT)
    assert config["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"  # admin never leaves the pod
    assert ports["http"] == int(DEFAULTS["FEEDMESH_GATEWAY_PORT"])


def test_every_deployment_has_a_disruption_budget_that_selects_its_pods() -> None:
    budgets = of_kind("PodDisruptionBudget").values()
    for name, deployment in of_kind("Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(matching) == 1, name
        assert matching[0]["spec"].get("maxUnavailable") == 1, name


def test_autoscalers_target_existing_deployments_and_watch_what_matters() -> None:
    deployments = of_kind("Deployment")
    watched: dict[str, str] = {}
    for name, hpa in of_kind("HorizontalPodAutoscaler").items():
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["apiVersion"]) == ("Deployment", "apps/v1")
        assert target["name"] in deployments, f"{name} scales {target['name']}, which is not deployed"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        (metric,) = hpa["spec"]["metrics"]
        watched[target["name"].removeprefix("feedmesh-")] = metric["type"]
        if metric["type"] == "Resource":
            assert metric["resource"]["name"] == "cpu"
        else:
            assert metric["external"]["metric"]["name"] == "feedmesh_consumer_lag"
            group = metric["external"]["metric"]["selector"]["matchLabels"]["group"]
            assert FANOUT_WORKERS[target["name"].removeprefix("feedmesh-")] == group
    assert watched == {**dict.fromkeys(READ_PATH, "Resource"), **dict.fromkeys(FANOUT_WORKERS, "External")}


def test_a_lag_autoscaler_never_adds_consumers_past_the_fanout_partitions() -> None:
    """A consumer group has at most one busy member per partition: replicas past that only idle."""
    partitions = {}
    for line in (ROOT / "schema" / "kafka" / "topics").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, count, *_ = line.split()
            partitions[name] = int(count)
    for name, hpa in of_kind("HorizontalPodAutoscaler").items():
        if hpa["spec"]["metrics"][0]["type"] == "External":
            assert hpa["spec"]["maxReplicas"] <= partitions["feedmesh.fanout"], name


def service_settings_class(service: str) -> type:
    main = (ROOT / "services" / service / "__main__.py").read_text()
    found = re.search(rf"from services\.{service}\.settings import (\w+)", main)
    assert found, service
    return getattr(importlib.import_module(f"services.{service}.settings"), found.group(1))


def test_every_service_gets_the_settings_it_refuses_to_start_without() -> None:
    """Each process's environment passes its own settings' loading and validation, as at its start."""
    settings = settings_data()
    for _process, deployment in process_deployments():
        (container,) = containers(deployment)
        env = env_of(container, settings)
        service = env["FEEDMESH_SERVICE_NAME"]
        assert container["args"] == ["python", "-m", f"services.{service}"]
        load_service_settings(service_settings_class(service), env)


def test_a_missing_setting_is_caught_by_the_check_above() -> None:
    deployment = of_kind("Deployment")["feedmesh-post"]
    (container,) = containers(deployment)
    env = env_of(container, settings_data())
    del env["FEEDMESH_KAFKA_BOOTSTRAP"]
    with pytest.raises(ValueError, match="FEEDMESH_KAFKA_BOOTSTRAP"):
        load_service_settings(service_settings_class("post"), env)


def test_ports_and_addresses_match_stack_defaults() -> None:
    settings = settings_data()
    services = of_kind("Service")
    for process, deployment in process_deployments():
        (container,) = containers(deployment)
        env = env_of(container, settings)
        var = "FEEDMESH_" + process.upper().replace("-", "_")
        port = port_of(DEFAULTS[f"{var}_TARGET"])
        assert port_of(env["FEEDMESH_LISTEN_ADDRESS"]) == port, process
        assert int(env["FEEDMESH_METRICS_PORT"]) == int(DEFAULTS[f"{var}_METRICS_PORT"]), process
        assert settings[f"{var}_TARGET"] == f"{gateway_k8s.service_name(process)}:{port}"
        for service in (gateway_k8s.service_name(process), gateway_k8s.pods_name(process)):
            assert port in {p["port"] for p in services[service]["spec"]["ports"]}, service
    engines = {"redis": "REDIS", "postgres": "PG", "kafka": "KAFKA", "cassandra": "CASSANDRA", "s3": "S3"}
    engines |= {"zipkin": "ZIPKIN", "prometheus": "PROMETHEUS"}
    for engine, var in engines.items():
        external = services[gateway_k8s.service_name(engine)]
        assert external["spec"]["type"] == "ExternalName"
        assert external["spec"]["ports"][0]["port"] == int(DEFAULTS[f"FEEDMESH_{var}_PORT"]), engine


def test_every_host_the_settings_and_the_gateway_name_is_a_service_of_the_chart() -> None:
    services = set(of_kind("Service"))
    addresses = [
        v for k, v in settings_data().items() if k.endswith(("_URL", "_TARGET", "_BOOTSTRAP", "_HOSTS", "_ENDPOINT"))
    ]
    named = {urlsplit(a if "//" in a else f"//{a}").hostname or "" for a in addresses}
    config = yaml.safe_load(of_kind("ConfigMap")["feedmesh-gateway"]["data"]["envoy.yaml"])
    for cluster in config["static_resources"]["clusters"]:
        for group in cluster.get("load_assignment", {}).get("endpoints", []):
            for endpoint in group["lb_endpoints"]:
                host = endpoint["endpoint"]["address"]["socket_address"]["address"]
                if host not in {"127.0.0.1", "0.0.0.0"}:
                    named.add(host)
    assert named, "no service names found"
    assert named <= services, f"named but not in the chart: {sorted(named - services)}"


def test_no_secret_value_is_in_a_manifest() -> None:
    assert not of_kind("Secret"), "Secrets are created by the operator, never by the chart"
    assert not SECRET_VARS & set(settings_data())
    for _process, deployment in process_deployments():
        for var in containers(deployment)[0].get("env", []):
            if var["name"] in SECRET_VARS:
                assert "secretKeyRef" in var["valueFrom"], var
    text = yaml.safe_dump_all(manifests())
    assert not re.search(r"postgres(ql)?://[^/\s:]+:[^@\s]+@", text), "a DSN with a password"
    assert "PRIVATE KEY" not in text
    assert not re.search(r"(?i)(password|secret_key|access_key)\W*:\s*\S", text)


def test_the_gateway_config_names_no_path_of_this_machine() -> None:
    envoy = of_kind("ConfigMap")["feedmesh-gateway"]["data"]["envoy.yaml"]
    for local in (str(ROOT), str(Path.home()), "/tmp/", "/work/"):
        assert local not in envoy
    assert "/etc/feedmesh/gateway/feedmesh-gateway.binpb" in envoy


def test_the_schema_job_applies_every_schema_to_the_external_engines() -> None:
    """It runs `make up`'s schema step; with every address another than the local default, that step only connects
    (it never tries the local PostgreSQL superuser's socket)."""
    from stack.schema import STEPS

    (job,) = of_kind("Job").values()
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"][:4] == ["python", "-m", "stack.schema", "apply"]
    assert set(container["args"][4:]) == set(STEPS)
    env = env_of(container, settings_data(), secret_placeholder="postgresql://u:p@feedmesh-postgres:5432/feedmesh")
    stack = load_stack_settings(env)
    for component in ("redis", "postgres", "kafka", "cassandra", "s3"):
        assert stack.is_external(component), component
    for var in container["env"]:
        assert "secretKeyRef" in var["valueFrom"], var
