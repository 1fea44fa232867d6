"""Fixtures for tests against the real stack.

Settings come from stack/defaults.env, the environment (which wins) and .run/secrets/*.env (the generated S3
credentials), the same way services read them: `stack.settings.load_settings()`.

Before the first integration test, `stack_settings` probes every component once (about a second); if one does
not answer it runs `bash stack/up.sh` (once per session), which starts what is missing. Set FEEDMESH_NO_AUTO_UP=1
to fail instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from kafka.errors import KafkaError

from services.common.polling import wait_for_sync
from stack import clients
from stack.readiness import probes_of
from stack.settings import ROOT, StackSettings, load_settings


def _not_answering(settings: StackSettings) -> list[str]:
    probes = probes_of(settings)

    def probe(name: str) -> str | None:
        try:
            probes[name](settings)
            return None
        except Exception:
            return name

    with ThreadPoolExecutor(len(probes)) as pool:
        return [name for name in pool.map(probe, probes) if name]


@pytest.fixture(scope="session", autouse=True)
def stack_settings() -> StackSettings:
    """The stack's settings, once every component answers (starting the stack if needed)."""
    missing = _not_answering(load_settings())
    if missing:
        if os.environ.get("FEEDMESH_NO_AUTO_UP") == "1":
            pytest.exit(f"the stack is not up ({', '.join(missing)} do not answer): run `make up`", returncode=3)
        print(f"\n{', '.join(missing)} not answering: running stack/up.sh", file=sys.stderr)
        result = subprocess.run(["bash", str(ROOT / "stack" / "up.sh")], cwd=ROOT)
        if result.returncode != 0:
            pytest.exit("stack/up.sh failed (see its output above)", returncode=3)
    return load_settings()  # again: the first start generates the S3 credentials


@pytest.fixture(scope="session")
def redis_client(stack_settings: StackSettings) -> Iterator[Any]:
    client = clients.redis_client(stack_settings)
    yield client
    client.close()


@pytest.fixture
async def pg_conn(stack_settings: StackSettings) -> AsyncIterator[Any]:
    """An asyncpg connection to FEEDMESH_PG_DSN."""
    conn = await clients.pg_connect(stack_settings)
    yield conn
    await conn.close()


@pytest.fixture(scope="session")
def cassandra_session(stack_settings: StackSettings) -> Iterator[Any]:
    """A cassandra-driver session with the feedmesh keyspace."""
    cluster = clients.cassandra_cluster(stack_settings)
    yield cluster.connect("feedmesh")
    cluster.shutdown()


@pytest.fixture(scope="session")
def s3_client(stack_settings: StackSettings) -> Any:
    return clients.s3_client(stack_settings)


@pytest.fixture
def kafka_admin(stack_settings: StackSettings) -> Iterator[Any]:
    """A fresh admin client per test: the restart tests bounce the broker, and a long-lived kafka-python client
    does not recover its connection promptly (NodeNotReadyError)."""
    admin = clients.kafka_admin(stack_settings)

    def metadata_error() -> KafkaError | None:
        try:
            admin.list_topics()
        except KafkaError as exc:
            return exc
        return None

    # Right after a broker restart the first metadata calls may fail: wait until one succeeds.
    wait_for_sync(
        metadata_error, lambda error: error is None, what="a Kafka metadata call that succeeds", within=30, interval=0.5
    )
    yield admin
    admin.close()
