"""The capacity model's arithmetic (bench/capacity_model.py) on small numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from bench.capacity_model import (
    DAY,
    GIB,
    Assumptions,
    Followers,
    Storage,
    Tail,
    UnitCosts,
    bottlenecks,
    load,
    plan,
    stack_cores,
    unit_costs,
)

COSTS = UnitCosts(
    read=0.002,
    ranked_read=0.008,
    post=0.02,
    delivery=50e-6,
    like=0.004,
    notification=0.002,
    redis_per_read=300e-6,
    redis_per_delivery=20e-6,
    postgres_per_post=0.001,
    postgres_per_like=0.0005,
    ingest_per_delivery=50e-6,
)
STORAGE = Storage(
    redis_per_home_entry=60, redis_per_reader=1000, cassandra_per_home_row=25, cassandra_per_author_row=30,
    postgres_per_post=500,
)  # fmt: skip
NO_TAIL = Followers(body_mean=40, tail=(), threshold=10_000)
# round numbers: one page, one post, no ranking, likes or notifications a day; the peak is the mean
SIMPLE = Assumptions(
    feed_pages_per_user_day=1, ranked_share=0, posts_per_user_day=1, likes_per_user_day=0,
    notifications_per_user_day=0, monthly_per_daily=1, peak_to_mean=1, target_utilization=0.5,
    cores_per_machine=10, redis_gib_per_shard=1, cassandra_replication=3, days_kept=10,
)  # fmt: skip


def test_a_log_uniform_bucket_has_the_mean_of_its_density() -> None:
    assert Tail(0.01, 1_000, 10_000).mean == pytest.approx(9_000 / math.log(10))


def test_posts_of_celebrities_are_not_pushed() -> None:
    followers = Followers(40, (Tail(0.01, 1_000, 10_000), Tail(0.01, 10_000, 100_000)), threshold=10_000)
    assert followers.pushed_per_post() == pytest.approx(0.98 * 40 + 0.01 * 9_000 / math.log(10))
    assert followers.celebrity_share() == pytest.approx(0.01)


def test_a_bucket_across_the_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="straddles"):
        Followers(40, (Tail(0.01, 5_000, 50_000),), threshold=10_000).pushed_per_post()


def test_the_load_of_a_day_at_its_peak() -> None:
    peak = load(86_400, Assumptions(peak_to_mean=3, posts_per_user_day=0.5, ranked_share=0.25), NO_TAIL)
    assert peak.posts == pytest.approx(1.5)  # 43,200 posts a day, 0.5/s on average, three times that at the peak
    assert peak.deliveries == pytest.approx(1.5 * 40)
    assert peak.reads + peak.ranked_reads == pytest.approx(30 * 3)
    assert peak.ranked_reads == pytest.approx(0.25 * 90)


def test_cores_machines_and_storage_of_a_plan() -> None:
    users = DAY  # one page and one post per second on average
    p = plan(users, SIMPLE, NO_TAIL, COSTS, STORAGE, home_max=800)
    work = 1 * 0.002 + 1 * 0.02 + 40 * 50e-6
    assert p.cores == pytest.approx(work / 0.5)
    assert p.machines == 1
    # each reader receives 40 deliveries a day and keeps 30 days of them, under the cap of 800
    assert p.home_entries_per_reader == pytest.approx(800)
    assert p.redis_gib == pytest.approx(users * (800 * 60 + 1000) / GIB)
    assert p.redis_shards == math.ceil(p.redis_gib / 1)
    rows_per_day = users * 40 * 25 + users * 30
    assert p.cassandra_tib_per_year == pytest.approx(10 * rows_per_day * 3 / 1024**4)
    assert p.postgres_gib_per_year == pytest.approx(10 * users * 500 / GIB)


def test_a_home_timeline_below_its_cap_holds_thirty_days() -> None:
    p = plan(DAY, SIMPLE, Followers(10, (), threshold=10_000), COSTS, STORAGE, home_max=800)
    assert p.home_entries_per_reader == pytest.approx(10 * 30)


def test_each_limit_is_reached_where_its_demand_meets_it() -> None:
    limits = dict(bottlenecks(SIMPLE, NO_TAIL, COSTS, STORAGE, home_max=800))
    # Redis's core at 1M users: 1M/86,400 reads/s x 300 us + 40x that in deliveries x 20 us, planned at 50%
    per_million = 1e6 / DAY * (300e-6 + 40 * 20e-6)
    assert limits["one Redis primary's core (feed reads and pushes)"] == pytest.approx(1e6 * 0.5 / per_million)
    assert list(limits.values()) == sorted(limits.values())


def test_unit_costs_leave_out_the_client_and_split_posts_from_deliveries() -> None:
    assert stack_cores({"svc-timeline": 80, "redis": 20, "bench client": 30, "other": 5}) == pytest.approx(1.0)
    timeline = {
        "feed_reads": {
            "per_second": 500,
            "cpu_percent_of_a_core": {"svc-timeline": 80, "redis": 20, "bench client": 9},
        },
        "freshness": {
            "posts": {"socfb": 90, "1k": 10},
            "settings": {"seconds": 10, "offered_deliveries_per_second": 2_000},
            "cpu_percent_of_a_core": {"svc-post": 50, "redis": 10, "postgres": 5, "svc-timeline-ingest": 25},
        },
        "fanout": [{"deliveries": 10, "cassandra_per_second": 1}, {"deliveries": 1000, "cassandra_per_second": 40_000}],
        "notification": {
            "alone": {
                "mentions": {"notifications": 100, "seconds_to_last_visible": 2, "cpu_percent_of_a_core": {"a": 50}}
            }
        },
    }
    engagement = {"likes": {"per_second": 100, "cpu_percent_of_a_core": {"svc-engagement": 100, "postgres": 10}}}
    costs = unit_costs(timeline, engagement, {"reads": {"reads_ratio": 0.25}}, nproc=2)
    assert costs.read == pytest.approx(1.0 / 500)
    assert costs.ranked_read == pytest.approx(4 / 500)
    assert costs.delivery == pytest.approx(2 / 40_000)  # the largest burst, both cores
    assert costs.post == pytest.approx((0.9 - 2_000 * 2 / 40_000) / 10)
    assert costs.like == pytest.approx(1.1 / 100)
    assert costs.notification == pytest.approx(0.5 * 2 / 100)
    assert costs.redis_per_delivery == pytest.approx(0.1 / 2_000)
    assert costs.postgres_per_post == pytest.approx(0.05 / 10)


def test_replicated_engines_count_once_per_replica() -> None:
    cpu = {"kafka": 10, "cassandra": 20, "svc-post": 30, "bench client": 50}
    assert stack_cores(cpu, replication=3) == pytest.approx((3 * 10 + 3 * 20 + 30) / 100)
    assert stack_cores(cpu) == pytest.approx(0.6)
