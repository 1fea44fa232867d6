"""Cassandra: run every statement of schema/cassandra/*.cql in file order; the statements are idempotent
(IF NOT EXISTS), so this runs on every `make up`. Then the keyspace's replication factor is set to
FEEDMESH_CASSANDRA_REPLICATION_FACTOR (1 on one node, 3 in the cluster topology)."""

from __future__ import annotations

import re
from pathlib import Path

from stack import clients
from stack.settings import ROOT, StackSettings

CQL_DIR = ROOT / "schema" / "cassandra"


def statements(path: Path) -> list[str]:
    text = re.sub(r"--[^\n]*", "", path.read_text())
    return [s.strip() for s in text.split(";") if s.strip()]


def apply(s: StackSettings) -> str:
    files = sorted(CQL_DIR.glob("*.cql"))
    cluster = clients.cassandra_cluster(s)
    try:
        session = cluster.connect()
        count = 0
        for path in files:
            for statement in statements(path):
                session.execute(statement, timeout=60)
                count += 1
        session.execute(replication_statement(s), timeout=60)
    finally:
        cluster.shutdown()
    return f"{count} statements from {len(files)} files"


def replication_statement(s: StackSettings) -> str:
    keyspace = s["FEEDMESH_CASSANDRA_KEYSPACE"]
    factor = int(s["FEEDMESH_CASSANDRA_REPLICATION_FACTOR"])
    return f"ALTER KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {factor}}}"
