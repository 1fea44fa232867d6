"""The capacity model (docs/capacity.md): machines (cores), Redis memory and Cassandra storage for 1M, 10M and 100M
daily users, from the committed benchmark results' per-core figures and the measured storage per item, under the
assumptions of `Assumptions` (each stated there), and where the first bottleneck appears.

    python -m bench.capacity_report                # make capacity: the tables of docs/capacity.md
    python -m bench.capacity_report --json

Every rate in the model is linear in the daily users, so a single-instance limit (one Redis core, the PostgreSQL
primary, the fanout topic's partitions) is crossed at one number of users, which `bottlenecks` reports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import ROOT
from services.graph.settings import GraphSettings
from services.timeline.settings import TimelineSettings

RESULTS = ROOT / "bench" / "results"
DAY = 86_400
GIB = 1024**3
NOT_STACK = ("bench client", "other")
"""Rows of a phase's CPU table that are not the stack's work: the benchmark's own client, other engineers."""


@dataclass(frozen=True)
class Tail:
    """A share of the users whose follower counts are spread log-uniformly between `low` and `high`."""

    share: float
    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.high - self.low) / math.log(self.high / self.low)


@dataclass(frozen=True)
class Followers:
    """Who follows whom: the socfb-Reed98 degrees for the body (a real graph, but of one college, with no heavy
    tail) and log-uniform buckets for the tail that a public network has. Everyone posts at the same rate."""

    body_mean: float
    tail: tuple[Tail, ...]
    threshold: int
    """At or above it an author is a celebrity: no push, its posts are pulled at read time (the graph decides)."""

    def pushed_per_post(self) -> float:
        """Mean deliveries of a post (celebrities' posts count 0). Tails must not straddle the threshold."""
        for t in self.tail:
            if t.low < self.threshold < t.high:
                raise ValueError(f"a tail bucket straddles the celebrity threshold {self.threshold}")
        body = 1 - sum(t.share for t in self.tail)
        return body * self.body_mean + sum(t.share * t.mean for t in self.tail if t.high <= self.threshold)

    def celebrity_share(self) -> float:
        return sum(t.share for t in self.tail if t.low >= self.threshold)


@dataclass(frozen=True)
class Assumptions:
    """What the model assumes about users and the fleet; the benchmarks do not measure these."""

    feed_pages_per_user_day: float = 30.0
    """GetFeed pages of 20: about 6 sessions of 5 pages."""
    ranked_share: float = 0.2
    """Pages that are a ranked first page (the rest: chronological, or later pages of a ranking session)."""
    posts_per_user_day: float = 0.5
    likes_per_user_day: float = 5.0
    notifications_per_user_day: float = 5.0
    monthly_per_daily: float = 2.0
    """Users active within FEEDMESH_INACTIVE_DAYS (30) per daily user: their home timelines are kept in Redis."""
    peak_to_mean: float = 3.0
    """The busiest hour's rate over the day's mean."""
    target_utilization: float = 0.6
    """CPU a machine or a Redis core is planned to run at, at the peak."""
    cores_per_machine: int = 16
    redis_gib_per_shard: float = 25.0
    cassandra_replication: int = 3
    days_kept: int = 365
    fanout_partitions: int = 12
    """feedmesh.fanout's partitions (schema/kafka/topics): at most one busy hot-fanout worker per partition."""


@dataclass(frozen=True)
class UnitCosts:
    """CPU seconds of the whole stack per unit of work, and the shares of the single-instance parts, from the
    benchmark results (`from_results`; `sources` says which phase gave each)."""

    read: float
    ranked_read: float
    post: float
    delivery: float
    like: float
    notification: float
    redis_per_read: float
    redis_per_delivery: float
    postgres_per_post: float
    postgres_per_like: float
    ingest_per_delivery: float
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Storage:
    """Bytes per item, measured by bench/measure_storage.py on the stack."""

    redis_per_home_entry: float
    redis_per_reader: float
    """Everything else of an active reader: its other keys and the sorted set's own overhead."""
    cassandra_per_home_row: float
    cassandra_per_author_row: float
    postgres_per_post: float
    source: str = ""


REPLICATED = ("kafka", "cassandra")
"""The engines that apply every write once per replica; the benchmarks ran one of each."""


def stack_cores(cpu_percent: Mapping[str, float], replication: int = 1) -> float:
    """Cores the stack used during a phase (its CPU table, in percent of one core), with the replicated engines'
    share counted once per replica."""
    return sum(v * (replication if k in REPLICATED else 1) for k, v in cpu_percent.items() if k not in NOT_STACK) / 100


def unit_costs(
    timeline: dict[str, Any], engagement: dict[str, Any], ranking: dict[str, Any], nproc: int, replication: int = 1
) -> UnitCosts:
    """Derives the unit costs from a timeline run (latest.json), an engagement run and a ranking run; Kafka's and
    Cassandra's CPU counted `replication` times (a cluster's replicas each apply every write; the bench had one)."""
    reads = timeline["feed_reads"]
    read = stack_cores(reads["cpu_percent_of_a_core"], replication) / reads["per_second"]
    fresh = timeline["freshness"]
    posts_per_second = sum(fresh["posts"].values()) / fresh["settings"]["seconds"]
    deliveries_per_second = fresh["settings"]["offered_deliveries_per_second"]
    burst = max(timeline["fanout"], key=lambda f: f["deliveries"])
    # The largest burst's deliveries per second into both stores, with the machine's every core assumed busy: an
    # upper bound of a delivery's cost (the part of it that does not depend on the post).
    delivery = nproc / burst["cassandra_per_second"]
    post = (stack_cores(fresh["cpu_percent_of_a_core"]) - deliveries_per_second * delivery) / posts_per_second
    # the replicas' share of the same phase, on top, split between posts and deliveries as the rest is
    extra = stack_cores(fresh["cpu_percent_of_a_core"], replication) / stack_cores(fresh["cpu_percent_of_a_core"])
    post, delivery = post * extra, delivery * extra
    if post <= 0:
        raise ValueError("the freshness phase's CPU does not cover its deliveries at the burst's cost per delivery")
    likes = engagement["likes"]
    mentions = timeline["notification"]["alone"]["mentions"]
    notification = (
        stack_cores(mentions["cpu_percent_of_a_core"], replication)
        * mentions["seconds_to_last_visible"]
        / mentions["notifications"]
    )
    fresh_cpu = fresh["cpu_percent_of_a_core"]
    return UnitCosts(
        read=read,
        ranked_read=read / ranking["reads"]["reads_ratio"],
        post=post,
        delivery=delivery,
        like=stack_cores(likes["cpu_percent_of_a_core"], replication) / likes["per_second"],
        notification=notification,
        redis_per_read=reads["cpu_percent_of_a_core"].get("redis", 0) / 100 / reads["per_second"],
        redis_per_delivery=fresh_cpu.get("redis", 0) / 100 / deliveries_per_second,
        postgres_per_post=fresh_cpu.get("postgres", 0) / 100 / posts_per_second,
        postgres_per_like=likes["cpu_percent_of_a_core"].get("postgres", 0) / 100 / likes["per_second"],
        ingest_per_delivery=fresh_cpu.get("svc-timeline-ingest", 0) / 100 / deliveries_per_second,
    )


@dataclass(frozen=True)
class Load:
    """Peak rates (per second) and daily totals for one number of daily users."""

    daily_users: int
    reads: float
    ranked_reads: float
    posts: float
    deliveries: float
    likes: float
    notifications: float
    deliveries_per_day: float
    posts_per_day: float


def load(daily_users: int, a: Assumptions, followers: Followers) -> Load:
    peak = a.peak_to_mean / DAY
    pages = daily_users * a.feed_pages_per_user_day
    posts_per_day = daily_users * a.posts_per_user_day
    deliveries_per_day = posts_per_day * followers.pushed_per_post()
    return Load(
        daily_users=daily_users,
        reads=pages * (1 - a.ranked_share) * peak,
        ranked_reads=pages * a.ranked_share * peak,
        posts=posts_per_day * peak,
        deliveries=deliveries_per_day * peak,
        likes=daily_users * a.likes_per_user_day * peak,
        notifications=daily_users * a.notifications_per_user_day * peak,
        deliveries_per_day=deliveries_per_day,
        posts_per_day=posts_per_day,
    )


@dataclass(frozen=True)
class Plan:
    daily_users: int
    cores: float
    machines: int
    cores_by_work: dict[str, float]
    redis_gib: float
    redis_shards: int
    home_entries_per_reader: float
    cassandra_tib_per_year: float
    postgres_gib_per_year: float


def plan(daily_users: int, a: Assumptions, f: Followers, c: UnitCosts, s: Storage, home_max: int) -> Plan:
    peak = load(daily_users, a, f)
    by_work = {
        "feed reads": peak.reads * c.read,
        "ranked first pages": peak.ranked_reads * c.ranked_read,
        "posts": peak.posts * c.post,
        "fanout deliveries": peak.deliveries * c.delivery,
        "likes": peak.likes * c.like,
        "notifications": peak.notifications * c.notification,
    }
    cores = sum(by_work.values()) / a.target_utilization
    readers = daily_users * a.monthly_per_daily
    # a reader's home timeline fills to the cap with what its followees post over the inactivity period
    received_per_day = peak.deliveries_per_day / readers
    entries = min(float(home_max), received_per_day * TimelineSettings.inactive_days)
    redis_bytes = readers * (entries * s.redis_per_home_entry + s.redis_per_reader)
    redis_cpu = (peak.reads + peak.ranked_reads) * c.redis_per_read + peak.deliveries * c.redis_per_delivery
    shards = max(math.ceil(redis_bytes / GIB / a.redis_gib_per_shard), math.ceil(redis_cpu / a.target_utilization), 1)
    rows = a.days_kept * (
        peak.deliveries_per_day * s.cassandra_per_home_row + peak.posts_per_day * s.cassandra_per_author_row
    )
    return Plan(
        daily_users=daily_users,
        cores=cores,
        machines=math.ceil(cores / a.cores_per_machine),
        cores_by_work=by_work,
        redis_gib=redis_bytes / GIB,
        redis_shards=shards,
        home_entries_per_reader=entries,
        cassandra_tib_per_year=rows * a.cassandra_replication / 1024**4,
        postgres_gib_per_year=a.days_kept * peak.posts_per_day * s.postgres_per_post / GIB,
    )


def bottlenecks(a: Assumptions, f: Followers, c: UnitCosts, s: Storage, home_max: int) -> list[tuple[str, float]]:
    """(single-instance limit, daily users at which it is reached at the peak), the first first. Linear in the users,
    so the load of one million tells where each limit is."""
    unit = 1_000_000
    peak = load(unit, a, f)
    one_million = plan(unit, a, f, c, s, home_max)
    demand = {
        "one Redis primary's core (feed reads and pushes)": (
            (peak.reads + peak.ranked_reads) * c.redis_per_read + peak.deliveries * c.redis_per_delivery,
            a.target_utilization,
        ),
        f"one Redis's memory ({a.redis_gib_per_shard:g} GiB)": (one_million.redis_gib, a.redis_gib_per_shard),
        f"the PostgreSQL primary ({a.cores_per_machine} cores)": (
            peak.posts * c.postgres_per_post + peak.likes * c.postgres_per_like,
            a.cores_per_machine * a.target_utilization,
        ),
        f"the hot fanout's {a.fanout_partitions} partitions (one worker each)": (
            peak.deliveries * c.ingest_per_delivery,
            a.fanout_partitions * a.target_utilization,
        ),
    }
    limits = [(name, unit * ceiling / need) for name, (need, ceiling) in demand.items() if need > 0]
    return sorted(limits, key=lambda item: item[1])


# --- reading the committed results --------------------------------------------------------------------------------
def latest_storage(results: Path = RESULTS) -> tuple[dict[str, Any], str]:
    files = sorted(results.glob("storage-*.json"))
    if not files:
        raise FileNotFoundError(f"no storage-*.json in {results}: run bench/measure_storage.py on the stack")
    return json.loads(files[-1].read_text()), files[-1].name


def storage_from(measured: dict[str, Any], source: str) -> Storage:
    redis = measured["redis"]
    home = measured["cassandra"]["home_timeline"]
    per_reader = redis["reader_bytes_total_median"] - redis["reader_entries_median"] * redis["bytes_per_home_entry"]
    return Storage(
        redis_per_home_entry=redis["bytes_per_home_entry"],
        redis_per_reader=max(0.0, per_reader),
        # the copy whose posts come from 150 authors, as a reader's do, rather than the fixture's four
        cassandra_per_home_row=measured["cassandra"].get("home_timeline_150_authors", home)["bytes_per_row"],
        cassandra_per_author_row=measured["cassandra"]["user_timeline"]["bytes_per_row"],
        postgres_per_post=measured["postgres"]["bytes_per_post"],
        source=source,
    )


def socfb_mean_followers() -> float:
    from bench.seed import follow_pairs, load_edges  # the data set's reader, beside the benchmark that seeds it

    nodes, edges = load_edges()
    return len(follow_pairs(edges)) / nodes


def default_followers(body_mean: float) -> Followers:
    """1% of users past the college graph: 0.9% with 1k-10k followers (pushed), 0.09% with 10k-100k and 0.01% with
    100k-10M (celebrities at the graph's default threshold)."""
    return Followers(
        body_mean=body_mean,
        tail=(Tail(0.009, 1_000, 10_000), Tail(0.0009, 10_000, 100_000), Tail(0.0001, 100_000, 10_000_000)),
        threshold=GraphSettings.celebrity_threshold,
    )


def inputs(results: Path = RESULTS) -> tuple[UnitCosts, Storage, Followers]:
    """The model's inputs from the committed results: latest.json (timeline, engagement, notification), the newest
    ranking run, the newest storage measurement, and the socfb graph."""
    timeline = json.loads((results / "latest.json").read_text())
    ranking_file = sorted(results.glob("ranking-2*.json"))[-1]
    ranking = json.loads(ranking_file.read_text())
    replication = Assumptions().cassandra_replication
    costs = unit_costs(timeline, timeline["engagement"], ranking, int(timeline["machine"]["nproc"]), replication)
    sources = {
        "reads, posts, deliveries, notifications": f"latest.json (timeline run {timeline['started_at']})",
        "likes": f"latest.json engagement (run {timeline['engagement']['started_at']})",
        "ranked first pages": ranking_file.name,
        "replicas": f"Kafka's and Cassandra's CPU counted {replication} times",
    }
    measured, name = latest_storage(results)
    return (
        UnitCosts(**{**asdict(costs), "sources": sources}),
        storage_from(measured, name),
        default_followers(socfb_mean_followers()),
    )
