"""The benchmark plots (bench.plots) on synthetic series: calls binned by the second they completed in, and PNGs
that are written, are images of the promised size and hold a drawing, not a blank canvas."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from matplotlib.image import imread

from bench import plots
from bench.loadgen import LoadResult
from bench.stats import summarize

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _load(name: str, seconds: int, per_second: int, latency: float, rng: random.Random) -> plots.TimedCalls:
    starts = [s + i / per_second for s in range(seconds) for i in range(per_second)]
    return plots.TimedCalls(name, starts, [rng.expovariate(1 / latency) for _ in starts])


def _ink(path: Path) -> float:
    """The share of pixels that are not white background."""
    pixels = imread(path)[:, :, :3]
    return float((pixels.sum(axis=2) < 2.9).mean())


def test_calls_are_binned_by_the_second_they_complete_in() -> None:
    calls = plots.TimedCalls("reads", starts=[0.1, 0.2, 0.95, 1.5], latencies=[0.1, 0.3, 0.1, 0.2])
    binned = plots.per_second(calls)
    assert binned.seconds == [0.0, 1.0]
    assert binned.calls == [2, 2]  # 0.2 and 0.5 in the first second; 1.05 and 1.7 in the second
    assert binned.p50 == pytest.approx([0.2, 0.15])


def test_merged_rounds_follow_each_other_in_time() -> None:
    def run(starts: list[float], seconds: float) -> LoadResult:
        latencies = [0.01] * len(starts)
        return LoadResult(len(starts), 0, seconds, summarize(latencies), {}, latencies, starts)

    merged = LoadResult.merge([run([0.0, 4.5], 5.0), run([0.0, 1.0], 5.0)])
    assert merged.starts == [0.0, 4.5, 5.0, 6.0]


def test_the_timeline_plots_are_written_and_drawn(tmp_path: Path) -> None:
    rng = random.Random(3)
    series = plots.TimelineSeries(
        loads=[_load("feed reads", 20, 200, 0.03, rng), _load("trivial unary", 20, 800, 0.008, rng)],
        freshness={
            "50% load": {"visible": [rng.lognormvariate(-3, 0.8) for _ in range(3000)], "pushed": []},
            "25% load": {"visible": [rng.lognormvariate(-3.3, 0.6) for _ in range(1500)]},
        },
    )
    written = plots.write_timeline_plots(series, tmp_path, "20261207T030000Z")
    assert [p.name for p in written] == [
        "timeline-20261207T030000Z-reads.png",
        "timeline-20261207T030000Z-freshness.png",
    ]
    for path, (width, height) in zip(written, [(1000, 700), (1000, 600)], strict=True):
        assert path.read_bytes()[:8] == PNG_MAGIC
        assert imread(path).shape[:2] == (height, width)
        assert path.stat().st_size > 20_000, "a plot with lines and labels is larger than this"
        assert _ink(path) > 0.02, "next to nothing drawn"


def test_a_run_that_measured_nothing_writes_no_plot(tmp_path: Path) -> None:
    assert plots.write_timeline_plots(plots.TimelineSeries(), tmp_path, "x") == []
    assert list(tmp_path.iterdir()) == []
