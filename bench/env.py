"""What every measurement shares: the stack's addresses, clients of the data tier, the timeline's Redis prefix,
and counters read from Redis, Cassandra and the timeline's Prometheus endpoint. All traffic stays on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import platform
import re
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import redis.asyncio as aioredis
from cassandra.cluster import Cluster, Session
from kafka import KafkaConsumer, TopicPartition
from redis.asyncio.sentinel import Sentinel

from services.common import redis_keys
from services.common.kafka import API_VERSION
from services.common.redis_sentinel import parse_hosts
from services.timeline.domain.ids import to_member
from services.timeline.settings import TimelineSettings
from stack.settings import load_settings

USER_HEADER = "x-feedmesh-user-id"


def as_user(user_id: int) -> tuple[tuple[str, str], ...]:
    """The metadata the gateway sets for an authenticated caller (services trust it; the bench calls them
    directly on loopback)."""
    return ((USER_HEADER, str(user_id)),)


# The timeline's Redis keys (services.common.redis_keys) under the stack's prefix.
TIMELINE_PREFIX = TimelineSettings.redis_prefix


def member(post_id: int) -> str:
    """A post id as the timeline's id streams hold it (fixed width)."""
    return to_member(post_id)


@dataclass(frozen=True)
class Addresses:
    auth: str
    graph: str
    post: str
    timeline: str
    timeline_metrics: tuple[str, ...]
    post_metrics: str
    redis_url: str
    redis_host: str
    redis_port: int
    pg_dsn: str
    cassandra_hosts: tuple[str, ...]
    cassandra_port: int
    cassandra_keyspace: str
    kafka_bootstrap: str
    redis_sentinels: tuple[str, ...] = ()
    redis_sentinel_master: str = ""


def addresses() -> Addresses:
    s = load_settings()
    port = int(s["FEEDMESH_REDIS_PORT"])
    # the cluster topology runs each process N times, replica n on the metrics port + (n-1) * offset (docs/cluster.md)
    replicas = int(s.values.get("FEEDMESH_SERVICE_REPLICAS", "") or 1)
    offset = int(s.values.get("FEEDMESH_REPLICA_PORT_OFFSET", "") or 0)
    return Addresses(
        auth=s["FEEDMESH_AUTH_TARGET"],
        graph=s["FEEDMESH_GRAPH_TARGET"],
        post=s["FEEDMESH_POST_TARGET"],
        timeline=s["FEEDMESH_TIMELINE_TARGET"],
        # The timeline's processes: the reads, the ingest worker (events and the hot fanout) and the durable-fanout
        # worker (stack/after-up.d/50-services.sh).
        timeline_metrics=tuple(
            f"http://127.0.0.1:{int(s[var]) + n * offset}/metrics"
            for var in (
                "FEEDMESH_TIMELINE_METRICS_PORT",
                "FEEDMESH_TIMELINE_INGEST_METRICS_PORT",
                "FEEDMESH_TIMELINE_STORE_METRICS_PORT",
            )
            for n in range(replicas)
        ),
        post_metrics=f"http://127.0.0.1:{s['FEEDMESH_POST_METRICS_PORT']}/metrics",
        redis_url=s.redis_url,
        redis_host="127.0.0.1",
        redis_port=port,
        pg_dsn=s.pg_dsn,
        cassandra_hosts=tuple(s.cassandra_hosts),
        cassandra_port=s.cassandra_port,
        cassandra_keyspace=s["FEEDMESH_CASSANDRA_KEYSPACE"],
        kafka_bootstrap=s.kafka_bootstrap,
        redis_sentinels=tuple(e for e in s.values.get("FEEDMESH_REDIS_SENTINELS", "").split(",") if e),
        redis_sentinel_master=s.values.get("FEEDMESH_REDIS_SENTINEL_MASTER", ""),
    )


@dataclass(frozen=True)
class ServiceAddresses:
    """Where the bench reaches one service: through the gateway, straight, and its metrics."""

    gateway: str
    target: str
    metrics_url: str


def service_addresses(service: str) -> ServiceAddresses:
    """The addresses of `service` (engagement, notification, ...) as the stack's settings name them."""
    s = load_settings()
    host = s.values.get("FEEDMESH_GATEWAY_HOST", "") or "127.0.0.1"
    name = service.upper()
    return ServiceAddresses(
        gateway=f"{host}:{s['FEEDMESH_GATEWAY_PORT']}",
        target=s[f"FEEDMESH_{name}_TARGET"],
        metrics_url=f"http://127.0.0.1:{s[f'FEEDMESH_{name}_METRICS_PORT']}/metrics",
    )


def _fanout_groups() -> dict[str, tuple[str, ...]]:
    """The timeline's consumer groups whose work a post makes, and the topics each reads (the defaults)."""
    t = TimelineSettings
    prefix = t.consumer_group_prefix
    return {
        f"{prefix}-posts": (t.posts_topic,),
        f"{prefix}-fanout": (t.fanout_topic,),
        f"{prefix}-fanout-store": (t.fanout_topic, t.fanout_durable_topic),
    }


class KafkaProgress:
    """Events consumer groups (by default the timeline's post and fanout groups: `groups` maps each to the topics it
    reads) have not committed yet, from Kafka itself: a group commits an event only once its writes are done, and
    Kafka's offsets outlive a restarted process (the services' counters start again from zero)."""

    def __init__(self, bootstrap: str, groups: dict[str, tuple[str, ...]] | None = None):
        self.groups = groups or _fanout_groups()
        self.offsets = KafkaConsumer(bootstrap_servers=bootstrap, api_version=API_VERSION)
        # A client per group, never joining it: `committed` only asks the group's coordinator.
        self.commits = {
            group: KafkaConsumer(
                bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, api_version=API_VERSION
            )
            for group in self.groups
        }
        topics = sorted({topic for topics in self.groups.values() for topic in topics})
        self.parts = [TopicPartition(t, p) for t in topics for p in sorted(self.offsets.partitions_for_topic(t) or ())]

    def unfinished(self) -> int:
        ends = self.offsets.end_offsets(self.parts)
        starts = self.offsets.beginning_offsets(self.parts)
        left = 0
        for group, topics in self.groups.items():
            for tp in self.parts:
                if tp.topic in topics:
                    # A commit older than the log's start counts from the start: retention removed the rest.
                    done = max(self.commits[group].committed(tp) or 0, starts[tp])
                    left += max(0, ends[tp] - done)
        return left

    def close(self) -> None:
        for client in (self.offsets, *self.commits.values()):
            client.close()


@dataclass
class Bench:
    """The clients one benchmark run holds open."""

    addr: Addresses
    redis: aioredis.Redis
    cassandra: Session
    cluster: Cluster
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    @classmethod
    async def open(cls) -> Bench:
        addr = addresses()
        client = aioredis.from_url(addr.redis_url, socket_timeout=30)
        if addr.redis_sentinels:  # the cluster topology: the primary may have moved (docs/cluster.md)
            client = Sentinel(list(parse_hosts(addr.redis_sentinels)), socket_timeout=1).master_for(
                addr.redis_sentinel_master, socket_timeout=30
            )
        cluster = Cluster(list(addr.cassandra_hosts), port=addr.cassandra_port, protocol_version=5)
        session = await asyncio.to_thread(cluster.connect)
        return cls(addr=addr, redis=client, cassandra=session, cluster=cluster)

    def channel(self, target: str) -> grpc.aio.Channel:
        if target not in self.channels:
            self.channels[target] = grpc.aio.insecure_channel(target)
        return self.channels[target]

    async def close(self) -> None:
        for ch in self.channels.values():
            await ch.close()
        self.channels.clear()
        await self.redis.aclose()
        await asyncio.to_thread(self.cluster.shutdown)

    # --- counters -----------------------------------------------------------------------------------------------

    async def redis_commandstats(self) -> dict[str, int]:
        """Calls per Redis command since the server started (commands run inside Lua scripts included)."""
        info = await self.redis.info("commandstats")
        return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in info.items()}

    async def cassandra_writes(self) -> dict[str, int]:
        """Local write (mutation) counts per table of the feedmesh keyspace, from Cassandra's virtual tables: one
        mutation per partition written (a home-timeline fanout writes one partition per follower)."""
        rows = await asyncio.to_thread(
            self.cassandra.execute,
            "SELECT table_name, count FROM system_views.local_write_latency WHERE keyspace_name = 'feedmesh'",
        )
        return {r.table_name: int(r.count) for r in rows}

    async def timeline_metrics(self) -> dict[str, float]:
        """The Prometheus samples of the timeline's processes, `name{labels}` -> value, summed over the processes
        (empty if none is reachable)."""
        total: dict[str, float] = {}
        for url in self.addr.timeline_metrics:
            for key, value in (await asyncio.to_thread(scrape, url)).items():
                total[key] = total.get(key, 0.0) + value
        return total

    async def post_metrics(self) -> dict[str, float]:
        """The Prometheus samples of the post service (its outbox relay's)."""
        return await asyncio.to_thread(scrape, self.addr.post_metrics)

    async def drain(self, limit_seconds: float = 600, groups: dict[str, tuple[str, ...]] | None = None) -> float:
        """Waits until the timeline has no post or fanout work left: every event of feedmesh.posts, feedmesh.fanout
        and feedmesh.fanout.durable committed by the groups that read it (`KafkaProgress`), for a second; or, given
        `groups` (group -> topics), until those groups have committed every event of their topics.
        Returns the seconds waited."""
        started = time.monotonic()
        progress = await asyncio.to_thread(KafkaProgress, self.addr.kafka_bootstrap, groups)
        try:
            return await self._drained(progress, started, limit_seconds)
        finally:
            await asyncio.to_thread(progress.close)

    async def _drained(self, progress: KafkaProgress, started: float, limit_seconds: float) -> float:
        calm_since: float | None = None
        while time.monotonic() - started < limit_seconds:
            if await asyncio.to_thread(progress.unfinished) == 0:
                calm_since = calm_since or time.monotonic()
                if time.monotonic() - calm_since >= 1.0:
                    return time.monotonic() - started
            else:
                calm_since = None
            await asyncio.sleep(0.25)
        raise TimeoutError(f"{', '.join(progress.groups)} still have work after {limit_seconds:.0f}s")

    async def compactions_done(self, limit_seconds: float = 180) -> float:
        """Waits until Cassandra runs no compaction (system_views.sstable_tasks is empty): after a phase that wrote
        hundreds of thousands of rows, the compactions that follow take a core for a while, and a latency measured
        meanwhile measures them. Returns the seconds waited; gives up (and says so) after `limit_seconds`."""
        started = time.monotonic()
        while time.monotonic() - started < limit_seconds:
            rows = await asyncio.to_thread(self.cassandra.execute, "SELECT kind FROM system_views.sstable_tasks")
            if not list(rows):
                return time.monotonic() - started
            await asyncio.sleep(1.0)
        print(f"  Cassandra still compacting after {limit_seconds:.0f}s; measuring anyway", flush=True)
        return time.monotonic() - started

    async def aof_rewritten(self, limit_seconds: float = 180) -> float:
        """Makes Redis rewrite its append-only file now and waits for it: a rewrite that comes due during a phase (at
        5x growth) forks Redis and writes the whole dataset for several seconds (8 s for 1.1 GiB here, in a run
        whose freshness p99 went from about 300 ms to 1,054). Like a compaction, it is left out of the phase, not out
        of the stack. Returns the seconds waited; gives up (and says so) after `limit_seconds`."""
        started = time.monotonic()
        try:
            await self.redis.bgrewriteaof()
        except Exception as exc:  # already running, or persistence off: then there is nothing to start
            print(f"  BGREWRITEAOF: {exc}", flush=True)
        while time.monotonic() - started < limit_seconds:
            info = await self.redis.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                return time.monotonic() - started
            await asyncio.sleep(0.5)
        print(f"  Redis still rewriting its AOF after {limit_seconds:.0f}s; measuring anyway", flush=True)
        return time.monotonic() - started

    async def missing_in_homes(self, pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """The (follower, post) pairs whose post is not (yet) in the follower's Redis home timeline."""
        if not pairs:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for follower, post in pairs:
                pipe.zscore(redis_keys.home_timeline(follower, TIMELINE_PREFIX).ids, member(post))
            found = await pipe.execute()
        return [p for p, score in zip(pairs, found, strict=True) if score is None]


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+([0-9.eE+-]+|NaN|[+-]Inf)$")


def scrape(url: str) -> dict[str, float]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            text = reply.read().decode()
    except OSError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def delta(after: dict[str, Any], before: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Non-zero differences of two counter snapshots, keys starting with `prefix`."""
    out = {}
    for key, value in after.items():
        if key.startswith(prefix):
            d = value - before.get(key, 0)
            if d:
                out[key] = d
    return out


def machine_facts() -> dict[str, Any]:
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "grpcio": grpc.__version__,
    }
