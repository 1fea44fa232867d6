"""Readiness probes of the members the cluster topology adds (stack/components/cluster.sh, docs/cluster.md): each
asks that one member, not the engine through any member, so a member that did not come back is named."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from stack import clients
from stack.settings import StackSettings

CASSANDRA_NODES = {"cassandra-2": "127.0.0.2", "cassandra-3": "127.0.0.3"}


def probe_kafka_node(node: int) -> Callable[[StackSettings], str]:
    def probe(s: StackSettings) -> str:
        from kafka import KafkaAdminClient

        address = f"127.0.0.1:{s[f'FEEDMESH_KAFKA_{node}_PORT']}"
        admin = KafkaAdminClient(
            bootstrap_servers=address, request_timeout_ms=5_000, api_version=clients.KAFKA_API_VERSION
        )
        try:
            brokers = {b["broker_id"] for b in admin.describe_cluster()["brokers"]}
            assert node in brokers, f"node {node} is not among the brokers {sorted(brokers)}"
        finally:
            admin.close()
        return address

    return probe


def probe_cassandra_node(name: str) -> Callable[[StackSettings], str]:
    def probe(s: StackSettings) -> str:
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import WhiteListRoundRobinPolicy

        logging.getLogger("cassandra").setLevel(logging.ERROR)
        host = CASSANDRA_NODES[name]
        profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([host]), request_timeout=10)
        cluster = Cluster(
            [host],
            port=s.cassandra_port,
            connect_timeout=3,
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
            protocol_version=5,
        )
        try:
            session = cluster.connect()
            peers = session.execute("SELECT peer FROM system.peers_v2").all()
        finally:
            cluster.shutdown()
        return f"{host}:{s.cassandra_port} ({len(peers)} peers)"

    return probe


def _redis(port: str) -> Any:
    import redis

    return redis.Redis(host="127.0.0.1", port=int(port), socket_timeout=3, socket_connect_timeout=3)


def probe_redis_replica(s: StackSettings) -> str:
    info = _redis(s["FEEDMESH_REDIS_REPLICA_PORT"]).info("replication")
    return f"127.0.0.1:{s['FEEDMESH_REDIS_REPLICA_PORT']} ({info['role']})"


def probe_sentinel(node: int) -> Callable[[StackSettings], str]:
    def probe(s: StackSettings) -> str:
        port = s[f"FEEDMESH_SENTINEL_{node}_PORT"]
        primary = _redis(port).execute_command(
            "SENTINEL", "GET-MASTER-ADDR-BY-NAME", s["FEEDMESH_REDIS_SENTINEL_MASTER"]
        )
        assert primary, "watches no primary"
        return f"127.0.0.1:{port} (primary {primary[0].decode()}:{primary[1].decode()})"

    return probe


PROBES: dict[str, Callable[[StackSettings], str]] = {
    "kafka-2": probe_kafka_node(2),
    "kafka-3": probe_kafka_node(3),
    **{name: probe_cassandra_node(name) for name in CASSANDRA_NODES},
    "redis-replica": probe_redis_replica,
    **{f"sentinel-{n}": probe_sentinel(n) for n in (1, 2, 3)},
}
TIMEOUTS = {"kafka-2": 90, "kafka-3": 90, "cassandra-2": 240, "cassandra-3": 240, "redis-replica": 30}
TIMEOUTS.update({f"sentinel-{n}": 30 for n in (1, 2, 3)})


def probe_ratelimit(s: StackSettings) -> str:
    import urllib.request

    url = f"http://127.0.0.1:{s['FEEDMESH_RATELIMIT_PORT']}/healthcheck"
    with urllib.request.urlopen(url, timeout=3) as response:
        assert response.status == 200
    return s["FEEDMESH_RATELIMIT_TARGET"]


PROBES["ratelimit"] = probe_ratelimit
TIMEOUTS["ratelimit"] = 30
