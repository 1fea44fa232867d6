"""The soak's memory verdicts (bench/soak_memory.py): judged after the warm-up, stores by their bounds."""

from __future__ import annotations

from bench.soak_memory import STORE_BOUNDS, rss_verdicts
from bench.soak_report import Sample, summary, verdicts_hold


def _run(rss: dict[str, list[float]]) -> list[Sample]:
    minutes = len(next(iter(rss.values())))
    return [
        Sample(minute=m, rss_mb={name: values[m] for name, values in rss.items()}, answers={"2xx": 100}, seconds=60)
        for m in range(minutes)
    ]


def test_a_service_filling_while_it_warms_up_then_level_is_flat_after_the_warm_up() -> None:
    warming = [60 + min(m, 12) * 2.0 for m in range(40)]  # +24 MB in its first 12 minutes, then level
    assert rss_verdicts(_run({"svc-x": warming}))["svc-x"]["verdict"] == "growing"
    judged = rss_verdicts(_run({"svc-x": warming}), warmup_minutes=15)["svc-x"]
    assert judged["verdict"] == "flat"
    assert judged["judged_minutes"] == [15.0, 39.0]
    assert judged["slope_mb_per_hour"] > 10  # the whole run's slope is still reported


def test_a_leak_is_growing_after_the_warm_up_too() -> None:
    leaking = [60 + m * 0.5 for m in range(40)]  # 30 MB an hour, all along
    verdict = rss_verdicts(_run({"svc-leak": leaking}), warmup_minutes=10)["svc-leak"]
    assert verdict["verdict"] == "growing"
    assert verdict["floor_slope_mb_per_hour"] > 25


def test_a_run_too_short_for_its_warm_up_is_judged_on_all_of_it() -> None:
    leaking = [60 + m * 0.5 for m in range(12)]
    verdict = rss_verdicts(_run({"svc-leak": leaking}), warmup_minutes=10)["svc-leak"]
    assert verdict["judged_minutes"] == [0.0, 11.0]


def test_a_store_filling_with_data_is_reported_with_its_bound_and_does_not_fail_the_run() -> None:
    redis_filling = [4 + m * 1.5 for m in range(40)]  # 90 MB an hour: the load's data
    level = [70.0] * 40
    found = summary(_run({"redis": redis_filling, "svc-post": level}), warmup_minutes=10)
    assert found["rss"]["redis"]["verdict"] == "store"
    assert found["rss"]["redis"]["bound"] == STORE_BOUNDS["redis"]
    assert found["rss"]["redis"]["floor_slope_mb_per_hour"] > 80
    assert found["rss"]["svc-post"]["verdict"] == "flat"
    assert verdicts_hold(found)
    leaking = summary(_run({"redis": redis_filling, "svc-post": [60 + m * 0.5 for m in range(40)]}), 10)
    assert not verdicts_hold(leaking)
