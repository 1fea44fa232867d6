"""Ready means ready: each probe makes one real request (Redis PING, a SQL query, a Kafka metadata round trip,
a CQL query, an S3 call, Prometheus' /-/ready, Zipkin's /health).

    python -m stack.readiness wait cassandra:PID kafka:PID redis ...   # bounded wait, one line per component
    python -m stack.readiness check redis postgres ...                 # one quick probe each, exit 1 if any fails
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
import urllib.request
from collections.abc import Callable

from redis.exceptions import BusyLoadingError

from stack import clients, cluster_probes
from stack.settings import LOGS_DIR, StackSettings, load_settings

# how long a component may take to answer after its start, in seconds
TIMEOUTS = {"redis": 30, "postgres": 30, "s3": 30, "prometheus": 30, "zipkin": 90, "kafka": 90, "cassandra": 180}
TIMEOUTS.update(cluster_probes.TIMEOUTS)
# A component that says it is still loading its data is making progress, not failing: it gets this long instead
# (Redis replays a benchmark-sized dataset, 1.2 GB, in more than 30 s).
LOADING_TIMEOUT = 600
LOADING_ERRORS: tuple[type[Exception], ...] = (BusyLoadingError,)


def probe_redis(s: StackSettings) -> str:
    assert clients.redis_client(s).ping()
    return s.redis_url


def probe_postgres(s: StackSettings) -> str:
    # our own cluster is probed as the superuser: the feedmesh role may not exist yet (stack.schema makes it)
    async def query() -> None:
        conn = await clients.pg_connect(s, superuser=not s.is_external("postgres"))
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()

    asyncio.run(query())
    return f"127.0.0.1:{s.pg_port}" if not s.is_external("postgres") else "external"


def probe_kafka(s: StackSettings) -> str:
    admin = clients.kafka_admin(s)
    try:
        brokers = admin.describe_cluster()["brokers"]
        assert brokers, "no broker in the metadata"
    finally:
        admin.close()
    return s.kafka_bootstrap


def probe_cassandra(s: StackSettings) -> str:
    cluster = clients.cassandra_cluster(s)
    try:
        row = cluster.connect().execute("SELECT release_version FROM system.local").one()
    finally:
        cluster.shutdown()
    return f"{','.join(s.cassandra_hosts)}:{s.cassandra_port} (Cassandra {row.release_version})"


def probe_s3(s: StackSettings) -> str:
    clients.s3_client(s).list_buckets()
    return s.s3_endpoint


def probe_prometheus(s: StackSettings) -> str:
    with urllib.request.urlopen(f"{s.prometheus_url}/-/ready", timeout=3) as response:
        assert response.status == 200
    return s.prometheus_url


def probe_zipkin(s: StackSettings) -> str:
    if not s.traces_url:
        return "off (FEEDMESH_TRACES_URL is empty)"
    with urllib.request.urlopen(f"{s.traces_url}/health", timeout=3) as response:
        assert json.load(response)["status"] == "UP"
    return s.traces_url


PROBES: dict[str, Callable[[StackSettings], str]] = {
    "redis": probe_redis,
    "postgres": probe_postgres,
    "kafka": probe_kafka,
    "cassandra": probe_cassandra,
    "s3": probe_s3,
    "prometheus": probe_prometheus,
    "zipkin": probe_zipkin,
    **cluster_probes.PROBES,
}


def probes_of(s: StackSettings) -> dict[str, Callable[[StackSettings], str]]:
    """The probes of the components `s`'s topology runs: the cluster's added members only in the cluster."""
    if s.values.get("FEEDMESH_TOPOLOGY") == "cluster":
        return dict(PROBES)
    return {name: probe for name, probe in PROBES.items() if name not in cluster_probes.PROBES}


def log_tail(component: str, lines: int = 25) -> str:
    path = LOGS_DIR / f"{component}.log"
    if not path.exists():
        return f"  (no log file {path})"
    tail = path.read_text(errors="replace").splitlines()[-lines:]
    return f"  log: {path}, last {len(tail)} lines:\n" + "\n".join(f"    | {line}" for line in tail)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie has exited even though kill(0) succeeds
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_one(s: StackSettings, component: str, pid: int | None, timeout: float) -> tuple[bool, str]:
    """Probe until the component answers, its process dies, or the timeout passes; returns (ok, message)."""
    start = time.monotonic()
    error = "no attempt"
    while True:
        loading = False
        try:
            where = PROBES[component](s)
            return True, f"{component:<11} ready in {time.monotonic() - start:5.1f}s  {where}"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}".strip()[:300]
            loading = isinstance(exc, LOADING_ERRORS)
        elapsed = time.monotonic() - start
        if pid is not None and not _alive(pid):
            reason = f"its process (pid {pid}) exited after {elapsed:.1f}s"
            break
        if elapsed > (max(timeout, LOADING_TIMEOUT) if loading else timeout):
            reason = f"no answer within {timeout:.0f}s"
            break
        time.sleep(0.5)
    detail = f"{component:<11} FAILED: {reason}; last error: {error}"
    if pid is not None:
        detail += "\n" + log_tail(component)
    return False, detail


def wait_all(s: StackSettings, targets: list[tuple[str, int | None]], scale: float = 1.0) -> bool:
    """Wait for every component at once, printing a line as each one answers."""
    lock = threading.Lock()
    results: dict[str, bool] = {}

    def run(component: str, pid: int | None) -> None:
        ok, message = wait_one(s, component, pid, TIMEOUTS[component] * scale)
        with lock:
            results[component] = ok
            print(("  " if ok else "! ") + message, file=sys.stdout if ok else sys.stderr, flush=True)

    threads = [threading.Thread(target=run, args=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return all(results.values())


def check(s: StackSettings, components: list[str]) -> bool:
    ok = True
    for component in components:
        try:
            PROBES[component](s)
            print(f"{component:<11} answers")
        except Exception as exc:
            print(f"{component:<11} does not answer: {type(exc).__name__}: {exc}"[:300])
            ok = False
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.readiness", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("wait", help="wait until each COMPONENT[:PID] answers (fails early if PID exits)")
    w.add_argument("targets", nargs="+")
    w.add_argument("--timeout-scale", type=float, default=float(os.environ.get("FEEDMESH_READY_SCALE", "1")))
    c = sub.add_parser("check", help="probe each COMPONENT once")
    c.add_argument("components", nargs="+", choices=sorted(PROBES))
    args = parser.parse_args(argv)
    s = load_settings()
    if args.command == "check":
        return 0 if check(s, args.components) else 1
    targets = []
    for target in args.targets:
        name, _, pid = target.partition(":")
        if name not in PROBES:
            parser.error(f"unknown component {name!r}; one of {', '.join(PROBES)}")
        targets.append((name, int(pid) if pid else None))
    return 0 if wait_all(s, targets, args.timeout_scale) else 1


if __name__ == "__main__":
    sys.exit(main())
