"""Clients of the data tier built from StackSettings, shared by readiness probes, schema application and tests.
Timeouts are short: these are for checks and DDL, not for services."""

from __future__ import annotations

import logging
from typing import Any

from stack.settings import PG_SOCKET_DIR, StackSettings

# Kafka 4.x with kafka-python: pin the protocol generation instead of probing it at every connect
KAFKA_API_VERSION = (4, 0)


def redis_client(s: StackSettings) -> Any:
    import redis

    return redis.Redis.from_url(s.redis_url, socket_timeout=3, socket_connect_timeout=3)


async def pg_connect(s: StackSettings, *, superuser: bool = False, connect_timeout: float = 5) -> Any:
    """A connection to FEEDMESH_PG_DSN, or as the superuser through the socket of our own cluster."""
    import asyncpg

    if superuser:
        return await asyncpg.connect(
            host=str(PG_SOCKET_DIR), port=s.pg_port, user="postgres", database="postgres", timeout=connect_timeout
        )
    return await asyncpg.connect(s.pg_dsn, timeout=connect_timeout)


def kafka_admin(s: StackSettings) -> Any:
    from kafka import KafkaAdminClient

    return KafkaAdminClient(
        bootstrap_servers=s.kafka_bootstrap,
        client_id="feedmesh-stack",
        request_timeout_ms=10_000,
        api_version=KAFKA_API_VERSION,
    )


def cassandra_cluster(s: StackSettings) -> Any:
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import RoundRobinPolicy

    # one node: no datacenter discovery, no reconnection noise in the logs
    logging.getLogger("cassandra").setLevel(logging.ERROR)
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=30)
    return Cluster(
        s.cassandra_hosts,
        port=s.cassandra_port,
        connect_timeout=3,
        control_connection_timeout=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=5,
    )


def s3_client(s: StackSettings) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=s.s3_endpoint,
        region_name=s.s3_region,
        aws_access_key_id=s.s3_access_key,
        aws_secret_access_key=s.s3_secret_key,
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            connect_timeout=3,
            read_timeout=10,
            retries={"max_attempts": 1},
        ),
    )
