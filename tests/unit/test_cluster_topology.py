"""The cluster topology's configuration, rendered without servers (docs/cluster.md): the topology file overrides the
single-node defaults and keeps the first members' addresses, the gateway lists every replica of a service with
outlier detection and a retry budget (and a single replica without them), the services' settings validate the
Cassandra consistency and the sentinels, and a channel to several replicas balances round robin."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.render import render
from gateway.settings import load_gateway_settings
from services.common.clients import channel_options
from services.common.redis_sentinel import RedisSentinelSettings, SentinelTarget
from services.common.settings import CassandraSettings, SettingsError
from stack.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_cluster_keeps_the_single_addresses_as_first_members() -> None:
    single = load_settings({"FEEDMESH_TOPOLOGY": "single"})
    cluster = load_settings({"FEEDMESH_TOPOLOGY": "cluster"})
    assert cluster.kafka_bootstrap.split(",")[0] == single.kafka_bootstrap
    assert cluster.cassandra_hosts == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert cluster.cassandra_hosts[0] == single.cassandra_hosts[0]
    assert cluster.redis_url == single.redis_url
    assert cluster["FEEDMESH_CASSANDRA_CONSISTENCY"] == "QUORUM"
    assert (cluster["FEEDMESH_KAFKA_REPLICATION_FACTOR"], cluster["FEEDMESH_KAFKA_MIN_ISR"]) == ("3", "2")
    assert single["FEEDMESH_KAFKA_REPLICATION_FACTOR"] == "1"
    # the topology's values count as defaults: the engines are still ours to start, not external
    assert not cluster.is_external("kafka") and not cluster.is_external("cassandra")


def test_the_environment_wins_over_the_topology_file() -> None:
    s = load_settings({"FEEDMESH_TOPOLOGY": "cluster", "FEEDMESH_CASSANDRA_CONSISTENCY": "ALL"})
    assert s["FEEDMESH_CASSANDRA_CONSISTENCY"] == "ALL"


def test_an_unknown_topology_is_refused() -> None:
    with pytest.raises(ValueError, match="FEEDMESH_TOPOLOGY"):
        load_settings({"FEEDMESH_TOPOLOGY": "mesh"})


def shell_settings(topology: str, *names: str) -> list[str]:
    """What stack/lib.sh exports for the topology, after the replicas' targets are listed."""
    loop = f'for v in {" ".join(names)}; do echo "${{!v}}"; done'
    script = f"source stack/lib.sh; load_settings; export_replica_targets; {loop}"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "FEEDMESH_TOPOLOGY": topology}
    out = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_the_shell_reads_the_same_topology() -> None:
    names = (
        "FEEDMESH_KAFKA_BOOTSTRAP",
        "FEEDMESH_KAFKA_VOTERS",
        "FEEDMESH_GRAPH_TARGET",
        "FEEDMESH_GATEWAY_GRAPH_ENDPOINTS",
    )
    bootstrap, voters, graph, endpoints = shell_settings("cluster", *names)
    assert bootstrap == load_settings({"FEEDMESH_TOPOLOGY": "cluster"}).kafka_bootstrap
    assert voters == "1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293"
    assert graph == "ipv4:127.0.0.1:50052,127.0.0.1:50152"
    assert endpoints == "127.0.0.1:50052,127.0.0.1:50152"
    single = shell_settings("single", *names)
    assert single == ["127.0.0.1:9092", "1@127.0.0.1:9093", "127.0.0.1:50052", ""]


def clusters_of(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}


def test_the_gateway_balances_over_every_replica(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDMESH_GATEWAY_TIMELINE_ENDPOINTS", "127.0.0.1:50054,127.0.0.1:50154")
    config = yaml.safe_load(render(load_gateway_settings(), tmp_path).read_text())
    clusters = clusters_of(config)
    timeline = clusters["timeline"]
    ports = [
        e["endpoint"]["address"]["socket_address"]["port_value"]
        for e in timeline["load_assignment"]["endpoints"][0]["lb_endpoints"]
    ]
    assert ports == [50054, 50154]
    assert timeline["health_checks"][0]["grpc_health_check"]["service_name"].endswith("TimelineService")
    assert timeline["outlier_detection"]["max_ejection_percent"] == 50
    budget = timeline["circuit_breakers"]["thresholds"][0]["retry_budget"]
    assert budget["budget_percent"]["value"] == 20.0
    # one replica: nothing to eject to, no budget
    assert "outlier_detection" not in clusters["auth"] and "circuit_breakers" not in clusters["auth"]


def test_cassandra_consistency_is_checked() -> None:
    CassandraSettings(cassandra_hosts=("127.0.0.1",), cassandra_consistency="QUORUM").check_cassandra()
    with pytest.raises(SettingsError, match="FEEDMESH_CASSANDRA_CONSISTENCY"):
        CassandraSettings(cassandra_hosts=("127.0.0.1",), cassandra_consistency="MOST").check_cassandra()


def test_sentinels_are_parsed_or_named_when_wrong() -> None:
    assert RedisSentinelSettings().sentinel() is None
    target = RedisSentinelSettings(redis_sentinels=("127.0.0.1:26379", "127.0.0.1:26380")).sentinel()
    assert target == SentinelTarget((("127.0.0.1", 26379), ("127.0.0.1", 26380)), "feedmesh")
    with pytest.raises(SettingsError, match="FEEDMESH_REDIS_SENTINELS"):
        RedisSentinelSettings(redis_sentinels=("127.0.0.1",)).sentinel()


def test_a_channel_to_several_replicas_is_round_robin() -> None:
    assert ("grpc.lb_policy_name", "round_robin") in channel_options("ipv4:127.0.0.1:50052,127.0.0.1:50152")
    assert all(name != "grpc.lb_policy_name" for name, _ in channel_options("127.0.0.1:50052"))


def test_the_cluster_failover_schedule_kills_one_member_of_each_engine_and_a_replica_of_each_process() -> None:
    from bench.chaos_faults import CLUSTER_MEMBERS, SERVICES, cluster_schedule

    faults = {f.process: f for f in cluster_schedule()}
    assert {"kafka-2", "cassandra-2", "redis"} <= set(faults)
    assert faults["redis"].kind == "failover"
    assert {f"svc-{s}-2" for s in SERVICES} <= set(faults)
    # the first replicas stay up: the gateway and the peers route around the killed one
    assert not any(f"svc-{s}" in faults for s in SERVICES)
    assert {"kafka-2", "cassandra-2"} <= set(CLUSTER_MEMBERS)


def test_only_the_cluster_topology_waits_for_the_members_it_adds() -> None:
    from stack.readiness import probes_of

    single = set(probes_of(load_settings({"FEEDMESH_TOPOLOGY": "single"})))
    cluster = set(probes_of(load_settings({"FEEDMESH_TOPOLOGY": "cluster"})))
    assert single == {"redis", "postgres", "kafka", "cassandra", "s3", "prometheus", "zipkin"}
    assert cluster - single == {
        "kafka-2",
        "kafka-3",
        "cassandra-2",
        "cassandra-3",
        "redis-replica",
        "sentinel-1",
        "sentinel-2",
        "sentinel-3",
        "ratelimit",
    }
