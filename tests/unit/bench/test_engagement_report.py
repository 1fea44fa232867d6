"""The engagement table: each like rate judged against the floor of the same run, drift against 5 s."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench import engagement_report
from bench.engagement_report import build_rows, cpu_ms_per_call, worst
from bench.engagement_setup import usable_sessions
from bench.measure_drift import during_summary


def load(per_second: float, p50: float, p99: float, errors: dict[str, int] | None = None) -> dict[str, Any]:
    codes = errors or {}
    return {
        "calls": 1000,
        "errors": sum(codes.values()),
        "error_codes": codes,
        "seconds": 10.0,
        "per_second": per_second,
        "latency": {"count": 1000, "p50_ms": p50, "p95_ms": p99, "p99_ms": p99, "max_ms": p99, "mean_ms": p50},
    }


def after(served: float) -> dict[str, Any]:
    return {"seconds_to_zero": {"served": served, "durable": 0.6, "metric_drift": 0.0, "flush_lag": 1.1}}


def figures(likes: float = 600.0, storm: float = 400.0, drift: tuple[float, ...] = (0.1, 0.2, 0.1)) -> dict[str, Any]:
    during = during_summary([], in_flight=32)
    return {
        "floor": load(1000.0, 10.0, 40.0),
        "floor_direct": load(2500.0, 4.0, 20.0),
        "likes": {
            **load(likes, 45.0, 160.0, {"UNAVAILABLE": 2}),
            "users": 2000,
            "posts": 500,
            "rounds": [{"ratio": 0.58}, {"ratio": 0.61}],
            "drift_during": during,
            "drift_after": [after(s) for s in drift[:-1]],
            "cpu_percent_of_a_core": {"svc-engagement": 80.0, "postgres": 50.0},
        },
        "storm": {**load(storm, 60.0, 200.0), "likers": 2000, "drift_during": during, "drift_after": after(drift[-1])},
        "cache_repairs": {"drift": 0.0},
        "gateway_writes": {"max_per_user": 31, "budget_per_min": 120},
    }


def row(rows: list[engagement_report.Row], starts: str) -> engagement_report.Row:
    return next(r for r in rows if r.figure.startswith(starts))


def test_like_rates_are_judged_as_a_ratio_to_the_floor() -> None:
    rows = build_rows(figures(likes=600.0, storm=400.0))
    many, storm = row(rows, "likes/s, 2,000 users"), row(rows, "likes/s, storm")
    assert (many.ratio, many.verdict) == ("0.600", "PASS")
    assert (storm.ratio, storm.verdict) == ("0.400", "FAIL")
    p99 = next(r for r in rows if r.figure.strip() == "latency p99")
    assert p99.ratio == "4.000" and p99.baseline == "floor 40.0 ms"
    assert any("UNAVAILABLE" in r.value for r in rows if r.figure.strip() == "errors")


def test_drift_is_judged_on_the_slowest_load_to_converge() -> None:
    ok = row(build_rows(figures(drift=(0.1, 4.9, 0.3))), "counter drift 0 after the load")
    assert (ok.value, ok.verdict) == ("4.90 s", "PASS")
    slow = row(build_rows(figures(drift=(0.1, 5.2, 0.3))), "counter drift 0 after the load")
    assert slow.verdict == "FAIL"
    never = row(build_rows(figures(drift=(0.1, math.nan, 0.3))), "counter drift 0 after the load")
    assert (never.value, never.verdict) == ("not within the wait", "FAIL")
    assert math.isnan(worst([1.0, math.nan])) and worst([1.0, 2.0]) == 2.0


def test_cached_sessions_are_reused_only_while_they_have_time_left() -> None:
    cached = {
        "a": {"user_id": 1, "token": "t1", "expires_at": 5000.0},
        "b": {"user_id": 2, "token": "t2", "expires_at": 1500.0},
        "c": {"user_id": 3, "token": "t3"},
    }
    usable = usable_sessions(cached, now=1000.0, margin=1200.0)
    assert list(usable) == ["a"] and usable["a"].user_id == 1 and usable["a"].token == "t1"


def test_cpu_per_call_counts_the_stack_only() -> None:
    cpu = {"svc-engagement": 60.0, "postgres": 40.0, "bench client": 8.0, "other": 5.0}
    assert cpu_ms_per_call(cpu, per_second=100.0) == pytest.approx(10.0)  # one core for 100 calls/s
    row = next(r for r in build_rows(figures()) if r.figure.strip().startswith("CPU during the likes"))
    assert row.baseline == "the stack: 2.17 ms of CPU per call"  # 130% of a core at 600/s
