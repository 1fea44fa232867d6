"""The notification benchmark's pure parts: who each post mentions, delays read off notification ids, the server
histogram and counters between scrapes, the mix's shares and capacity, and the table's verdicts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench.measure_freshness import SHARES, FreshnessSettings, scaled_load
from bench.measure_notifications import UnreadWatch, arrivals, labelled_delta, stage_deltas
from bench.notification_report import build_rows
from bench.notification_setup import mention_text, mentioned_fans, mix_load, mix_shares
from bench.stats import histogram_delta
from services.common.content_safety import POST_MAX_CHARS
from services.common.ids import EPOCH_MS, min_id_at
from services.common.mentions import parse_mentions
from services.notification.adapters.redis_unread import padded


def test_each_post_mentions_twenty_fans_no_fan_twice_and_fits_in_a_post() -> None:
    plan = mentioned_fans(100)
    assert all(len(fans) == 20 for fans in plan)
    everyone = [fan for fans in plan for fan in fans]
    assert len(set(everyone)) == 2000 and min(everyone) == 50_000
    longest = mention_text(99, plan[-1])
    assert len(longest) <= POST_MAX_CHARS
    assert parse_mentions(longest) == [f"bench_fan_{fan}" for fan in plan[-1]]  # what the post service resolves


def test_a_delay_is_the_moment_seen_minus_the_event_time_in_the_id() -> None:
    event_ms = EPOCH_MS + 1_000_000
    first, second = padded(min_id_at(event_ms) | 77), padded(min_id_at(event_ms + 300) | 5)
    seen: set[str] = set()
    delays = arrivals([first.encode(), second], seen, seen_at=(event_ms + 500) / 1000)
    assert delays == pytest.approx([0.5, 0.2])
    assert arrivals([first, second], seen, seen_at=(event_ms + 900) / 1000) == []  # counted once
    assert seen == {first, second}


def test_the_servers_histogram_and_counters_between_two_scrapes() -> None:
    series = "feedmesh_notification_event_to_visible_seconds_bucket"
    before = {f'{series}{{le="0.5"}}': 10.0, f'{series}{{le="1.0"}}': 10.0, f'{series}{{le="+Inf"}}': 10.0}
    after = {f'{series}{{le="0.5"}}': 60.0, f'{series}{{le="1.0"}}': 109.0, f'{series}{{le="+Inf"}}': 110.0}
    h = histogram_delta(before, after, series)
    assert h == {"count": 100.0, "p50_ms_at_most": 500.0, "p99_ms_at_most": 1000.0}
    assert math.isnan(histogram_delta(before, before, series)["p99_ms_at_most"])

    written = "feedmesh_notification_written_total"
    grown = labelled_delta(
        {f'{written}{{kind="LIKE"}}': 5.0, f'{written}{{kind="FOLLOW"}}': 2.0},
        {f'{written}{{kind="LIKE"}}': 2005.0, f'{written}{{kind="FOLLOW"}}': 2.0, f'{written}{{kind="MENTION"}}': 3.0},
        written,
    )
    assert grown == {"LIKE": 2000.0, "MENTION": 3.0}


def test_the_services_stages_between_two_scrapes_each_with_its_seconds() -> None:
    series, total = (
        "feedmesh_notification_ingest_stage_seconds_bucket",
        "feedmesh_notification_ingest_stage_seconds_sum",
    )
    before = {f'{series}{{stage="write",le="0.1"}}': 1.0, f'{series}{{stage="write",le="+Inf"}}': 1.0}
    before[f'{total}{{stage="write"}}'] = 0.05
    after = {f'{series}{{stage="write",le="0.1"}}': 3.0, f'{series}{{stage="write",le="+Inf"}}': 5.0}
    after |= {f'{total}{{stage="write"}}': 1.25, f'{series}{{stage="read",le="+Inf"}}': 0.0}
    assert stage_deltas(before, after) == {
        "write": {"count": 4.0, "p50_ms_at_most": 100.0, "p99_ms_at_most": math.inf, "seconds": 1.2}
    }
    assert stage_deltas({}, {}) == {}


def test_the_10k_authors_share_goes_to_the_1k_author_when_it_is_a_celebrity() -> None:
    assert mix_shares(10_001) == SHARES
    moved = mix_shares(10_000)
    assert moved["10k"] == 0 and moved["1k"] == pytest.approx(SHARES["1k"] + SHARES["10k"])
    fs = scaled_load(FreshnessSettings(), capacity=20_000, load=0.5, mean_socfb_followers=40, shares=moved)
    assert math.isinf(fs.every_10k)
    offered = fs.reed_rate * 40 + 1_000 / fs.every_1k
    assert offered == pytest.approx(10_000)  # the same deliveries/s as with the 10k author pushed


def test_the_mix_capacity_comes_from_the_timeline_run_in_latest_json(tmp_path: Path) -> None:
    latest = tmp_path / "latest.json"
    latest.write_text(
        json.dumps({"started_at": "2026-12-06T21:50:15+00:00", "mix_capacity": {"deliveries_per_second": 23173.0}})
    )
    mix = mix_load(None, 10_000, 39.1, latest)
    assert mix.capacity == 23173.0 and "2026-12-06T21:50:15" in mix.source and mix.shares["10k"] == 0
    assert mix_load(9000.0, 10_001, 39.1, latest).capacity == 9000.0
    latest.write_text("{}")
    with pytest.raises(SystemExit, match="--mix-capacity"):
        mix_load(None, 10_000, 39.1, latest)


def quantiles(p50: float, p99: float, count: int = 300) -> dict[str, Any]:
    return {"count": count, "p50_ms": p50, "p95_ms": p99, "p99_ms": p99, "max_ms": p99, "mean_ms": p50}


def burst(p99: float, **extra: Any) -> dict[str, Any]:
    return {
        "events": 100,
        "event_errors": {},
        "events_seconds": 1.5,
        "notifications": 2000,
        "seconds_to_last_visible": 4.0,
        "notifications_per_second": 500.0,
        "delay": quantiles(200.0, p99),
        "missing_in_watched": 0,
        "histogram": {"count": 2000.0, "p50_ms_at_most": 250.0, "p99_ms_at_most": 1000.0},
        "commit_to_kafka": {"count": 100.0, "p50_ms_at_most": 10.0, "p99_ms_at_most": 50.0},
        "consumer_batch": {"count": 30.0, "p50_ms_at_most": 100.0, "p99_ms_at_most": 500.0},
        "written": {"MENTION": 2000.0},
        "dropped": {},
        "consumer_lag_max": 40.0,
        "cpu_percent_of_a_core": {"svc-notification": 50.0, "cassandra": 30.0},
        **extra,
    }


def figures(mention_p99: float = 800.0, like_p99: float = 900.0, missing: int = 0) -> dict[str, Any]:
    mentions = {"listed_delay": quantiles(210.0, 700.0, 5), "listed_missing": 0, "extra": 0}
    feed = {
        "settings": {"offered_deliveries_per_second": 11586.0},
        "posts": {"socfb": 300, "1k": 40},
        "visible_all": quantiles(80.0, 400.0),
        "redis_all": quantiles(90.0, 450.0),
        "missed": {},
    }
    return {
        "mix": {
            "capacity_deliveries_per_second": 23173.0,
            "capacity_from": "the timeline benchmark run of earlier",
            "load": 0.5,
            "celebrity_threshold_in_graph": 10_000,
            "shares": mix_shares(10_000),
        },
        "beside_mix": {
            "mentions": burst(mention_p99, **mentions, missing=missing),
            "likes": burst(like_p99, unread_count_after=2000),
            "feed": feed,
        },
        "alone": {"mentions": burst(5000.0, **mentions, missing=0), "likes": burst(5000.0, unread_count_after=2000)},
    }


def verdicts(rows: list[Any]) -> list[tuple[str, str]]:
    return [(r.figure.strip(), r.verdict) for r in rows if r.verdict]


def test_the_delay_is_judged_beside_the_mix_only_and_every_notification_must_be_there() -> None:
    judged = verdicts(build_rows(figures(mention_p99=800.0, like_p99=1200.0)))
    delays = [v for figure, v in judged if figure.startswith("event -> visible in")]
    assert delays == ["PASS", "FAIL"]  # the alone bursts' 5 s p99 is not judged
    assert [v for figure, v in judged if figure.startswith("every notification")] == ["PASS"] * 4
    lost = verdicts(build_rows(figures(missing=3)))
    assert [v for figure, v in lost if figure.startswith("every notification")] == ["FAIL", "PASS", "PASS", "PASS"]


def test_the_watch_reads_a_big_set_from_just_below_the_newest_member_seen() -> None:
    since_ms = EPOCH_MS + 1_000_000
    watch = UnreadWatch(redis=None, since_ms=since_ms)  # type: ignore[arg-type]  # reads no server here
    watch.expect(7, 3)
    assert watch._low(7) == "[" + padded(min_id_at(since_ms))
    arrivals([padded(min_id_at(since_ms + 2_000)), padded(min_id_at(since_ms + 60_000) | 9)], watch.seen[7], 0.0)
    assert watch._low(7) == "[" + padded(min_id_at(since_ms + 55_000))
    assert watch.waiting() == [7] and watch.missing() == 1


def test_the_services_cpu_per_notification() -> None:
    rows = build_rows(figures())
    per = [r.value for r in rows if r.figure.strip() == "svc-notification CPU per notification"]
    assert per == ["1.00 ms"] * 4  # half a core at 500 notifications/s
