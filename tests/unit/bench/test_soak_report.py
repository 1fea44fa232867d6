"""The soak's verdicts (bench/soak_report.py) and its memory readings (bench/soak.rss_by_process): a least-squares
slope that a leak shows and noise does not, error growth and backlogs that stop draining, a process tree's RSS."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bench.soak import answer_kind, rss_by_process
from bench.soak_report import Sample, backlog_bounds, error_rates, markdown, plot, rss_verdicts, slope, summary


def test_slope_is_the_least_squares_fit() -> None:
    assert slope([0, 1, 2, 3], [1, 3, 5, 7]) == pytest.approx(2.0)
    assert slope([0, 1, 2], [5, 1, 5]) == pytest.approx(0.0)
    assert slope([1], [4]) == 0.0
    assert slope([2, 2], [1, 9]) == 0.0


def _run(rss: dict[str, list[float]], minutes: int = 30) -> list[Sample]:
    return [
        Sample(minute=m, rss_mb={name: values[m] for name, values in rss.items()}, answers={"2xx": 100}, seconds=60)
        for m in range(minutes)
    ]


def test_a_leak_is_growing_and_noise_around_a_level_is_flat() -> None:
    noise = random.Random(7)
    leaking = [100 + m * 0.5 for m in range(30)]  # 30 MB an hour
    level = [100 + noise.uniform(-3, 3) for _ in range(30)]
    big_jvm = [2000 + m * 0.3 for m in range(30)]  # 18 MB an hour of 2 GB: within 2% an hour
    verdicts = rss_verdicts(_run({"leaky": leaking, "steady": level, "jvm": big_jvm}))
    assert verdicts["leaky"]["verdict"] == "growing"
    assert verdicts["leaky"]["slope_mb_per_hour"] == pytest.approx(30.0, abs=0.1)
    assert verdicts["steady"]["verdict"] == "flat"
    assert verdicts["jvm"]["verdict"] == "flat"
    assert verdicts["jvm"]["growing_above_mb_per_hour"] > 18


def test_memory_held_only_while_work_runs_is_not_growth_but_a_rising_floor_is() -> None:
    # A 64 MiB hash in flight when some samples land, more of them late in the run: the floor stays at 122 MB.
    spiky = [122.0 + (128 if m in (12, 20, 22, 25, 27, 28) else 0) for m in range(30)]
    creeping = [122.0 + (m // 5) * 4 + (64 if m % 7 == 0 else 0) for m in range(30)]  # 48 MB an hour under spikes
    verdicts = rss_verdicts(_run({"svc-auth": spiky, "svc-leak": creeping}))
    assert verdicts["svc-auth"]["slope_mb_per_hour"] > verdicts["svc-auth"]["growing_above_mb_per_hour"]
    assert verdicts["svc-auth"]["floor_slope_mb_per_hour"] == pytest.approx(0.0)
    assert verdicts["svc-auth"]["verdict"] == "flat"
    assert verdicts["svc-leak"]["floor_slope_mb_per_hour"] == pytest.approx(48.0, abs=0.5)
    assert verdicts["svc-leak"]["verdict"] == "growing"


def test_a_restarted_process_is_judged_on_its_longest_life() -> None:
    samples = _run({"svc-x": [100 + m * 0.5 if m < 10 else 60.0 for m in range(30)]})
    for s in samples:
        s.pids = {"svc-x": 11 if s.minute < 10 else 12}
    verdict = rss_verdicts(samples)["svc-x"]
    assert (verdict["verdict"], verdict["restarts"], verdict["judged_minutes"]) == ("flat", 1, [10.0, 29.0])


def test_error_growth_and_the_stretches() -> None:
    steady = [Sample(m, {}, answers={"2xx": 99, "5xx": 1}, seconds=10) for m in range(30)]
    found = error_rates(steady)
    assert (found["calls"], found["errors"], found["verdict"]) == (3000, 30, "no growth")
    assert [s["error_rate"] for s in found["stretches"]] == [0.01, 0.01, 0.01]
    worse = [Sample(m, {}, answers={"2xx": 100 - m, "timeout": m}, seconds=10) for m in range(30)]
    assert error_rates(worse)["verdict"] == "growing"
    assert (
        error_rates([Sample(m, {}, answers={"2xx": 10, "429": 5, "4xx": 5}, seconds=10) for m in range(3)])["errors"]
        == 0
    )


def test_errors_around_a_restart_are_apart_from_the_trend() -> None:
    samples = [Sample(m, {}, pids={"gateway": 1}, answers={"2xx": 100}, seconds=10) for m in range(30)]
    samples[25].answers = {"2xx": 40, "error": 60}
    for s in samples[26:]:
        s.pids = {"gateway": 2}
    found = error_rates(samples)
    assert [w["minute"] for w in found["restart_windows"]] == [25, 26]
    assert found["restart_windows"][0]["restarted"] == ["gateway"]
    assert (found["errors"], found["errors_outside_restarts"], found["verdict"]) == (60, 0, "no growth")


def test_a_backlog_that_keeps_rising_is_not_bounded() -> None:
    waves = [Sample(m, {}, backlogs={"lag": float(500 * (m % 5))}) for m in range(40)]
    late_spike = [Sample(m, {}, backlogs={"lag": 900.0 if m == 35 else float(m % 3)}) for m in range(40)]
    rising = [Sample(m, {}, backlogs={"lag": float(50 * m)}) for m in range(40)]
    assert backlog_bounds(waves)["lag"]["verdict"] == "bounded"
    assert backlog_bounds(late_spike)["lag"]["verdict"] == "bounded"
    assert backlog_bounds(rising)["lag"] | {"verdict": "growing"} == backlog_bounds(rising)["lag"]
    assert backlog_bounds(rising)["lag"]["max"] == 1950


def test_answer_kinds() -> None:
    kinds = ["200", "200-degraded", "404", "429", "503", "timeout", "error"]
    assert [answer_kind(s) for s in kinds] == ["2xx", "2xx", "4xx", "429", "5xx", "timeout", "error"]


def test_rss_of_a_named_process_includes_its_children(tmp_path: Path) -> None:
    """This test's own process named by a pid file; a child it starts counts towards it."""
    pids = tmp_path / "pids"
    pids.mkdir()
    (pids / "me.pid").write_text(f"{os.getpid()} 1\n")
    (pids / "gone.pid").write_text("999999999 1\n")
    pid, alone = rss_by_process(pids)["me"]
    assert pid == os.getpid()
    holder = "import sys; block = b'x' * (64 << 20); print('ready', flush=True); sys.stdin.read()"
    with subprocess.Popen([sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        together = rss_by_process(pids)
        child.communicate()
    assert set(together) == {"me"}
    assert together["me"][1] > alone + 60


def test_the_report_and_plot_are_written(tmp_path: Path) -> None:
    samples = _run({"svc-a": [100.0] * 5, "kafka": [900 + m for m in range(5)]}, minutes=5)
    for s in samples:
        s.backlogs = {"fanout_backlog": 3.0}
    text = markdown({"summary": summary(samples)})
    assert "| svc-a | 100 -> 100 |" in text and "| fanout_backlog | 3 | 3 | 3 | 3 / 3 | bounded |" in text
    plot(samples, tmp_path / "soak.png", "a soak")
    assert (tmp_path / "soak.png").read_bytes()[:4] == b"\x89PNG"
