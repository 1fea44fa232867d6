"""Reading counter drift: the own check's bounds during a load, convergence after it, the service's gauges."""

from __future__ import annotations

import math

from bench.measure_drift import (
    FLUSH_LAG,
    ServedSample,
    WatchSample,
    during_summary,
    metric_drift,
    repairs,
    unconverged,
)

SCRAPED = {
    'feedmesh_engagement_counter_drift{kind="likes"}': 2.0,
    'feedmesh_engagement_counter_drift{kind="comments"}': 0.0,
    'feedmesh_engagement_counter_drift{kind="shares"}': 1.0,
    FLUSH_LAG: 0.25,
    'feedmesh_engagement_cache_repairs_total{reason="drift"}': 3.0,
    'feedmesh_engagement_cache_repairs_total{reason="missed_change"}': 1.0,
    "feedmesh_engagement_cache_repairs_created": 1.7e9,
}


def test_the_gauges_are_read_by_kind_and_the_repairs_by_reason() -> None:
    assert metric_drift(SCRAPED) == {"likes": 2.0, "comments": 0.0, "shares": 1.0}
    assert repairs(SCRAPED) == {"drift": 3.0, "missed_change": 1.0}
    assert all(math.isnan(v) for v in metric_drift({}).values())


def test_an_exact_cache_under_load_shows_only_likes_in_flight() -> None:
    in_flight = ServedSample(1, before=10, recount=13, after=11, cached=True)
    assert in_flight.over == 0 and in_flight.unapplied == 2
    caught_up = ServedSample(2, before=10, recount=12, after=14, cached=True)  # more likes came after the recount
    assert caught_up.over == 0 and caught_up.unapplied == 0
    double_counted = ServedSample(3, before=15, recount=12, after=15, cached=True)
    assert double_counted.over == 3


def test_the_summary_keeps_the_worst_case_and_flags_gaps_beyond_the_calls_in_flight() -> None:
    samples = [
        WatchSample(0.0, {"likes": 0.0, "comments": 0.0, "shares": 0.0}, 0.0, 0.2, [ServedSample(1, 5, 7, 6, True)]),
        WatchSample(
            0.5,
            {"likes": 4.0, "comments": 0.0, "shares": math.nan},
            0.4,
            0.6,
            [ServedSample(1, 8, 8, 8, True), ServedSample(2, 0, 40, 3, False)],
        ),
    ]
    s = during_summary(samples, in_flight=32)
    assert s["samples"] == 2 and s["metric_drift_max"] == 4.0 and s["metric_drift_nonzero_samples"] == 1
    assert s["metric_drift_max_by_kind"]["likes"] == 4.0
    assert s["flush_lag_metric_max_seconds"] == 0.4 and s["flush_lag_metric_nonzero_samples"] == 1
    assert s["pending_age_max_seconds"] == 0.6
    assert s["posts_checked"] == 3 and s["posts_checked_from_redis"] == 2
    assert s["over_max"] == 0 and s["unapplied_max"] == 37 and s["unapplied_beyond_in_flight"] == 1


def test_an_empty_watch_says_nothing_was_seen() -> None:
    s = during_summary([], in_flight=32)
    assert s["samples"] == 0 and s["posts_checked"] == 0 and math.isnan(s["metric_drift_max"])


def test_convergence_sums_the_distance_of_served_and_durable_counts_from_the_recount() -> None:
    counts = {1: (10, 10), 2: (5, 3)}  # post -> (recount, durable)
    state = unconverged({1: 10, 2: 6}, counts, SCRAPED)
    assert state == {"served": 1, "durable": 2, "metric_drift": 3.0, "flush_lag": 0.25}
    settled = unconverged({1: 10, 2: 5}, {1: (10, 10), 2: (5, 5)}, {FLUSH_LAG: 0.0, **dict.fromkeys(SCRAPED, 0.0)})
    assert set(settled.values()) == {0}
