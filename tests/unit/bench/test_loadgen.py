"""Merging closed-loop runs: the alternating feed-read rounds are reported as one figure per side."""

from __future__ import annotations

import pytest

from bench.loadgen import LoadResult
from bench.stats import summarize


def run(samples: list[float], seconds: float, codes: dict[str, int] | None = None) -> LoadResult:
    codes = codes or {}
    return LoadResult(len(samples), sum(codes.values()), seconds, summarize(samples), codes, samples)


def test_merged_runs_add_calls_and_time_and_take_percentiles_over_every_sample() -> None:
    fast = run([0.001] * 90, 1.0)
    slow = run([0.100] * 10, 1.0, {"UNAVAILABLE": 2})
    merged = LoadResult.merge([fast, slow])
    assert merged.calls == 100 and merged.seconds == 2.0
    assert merged.per_second == pytest.approx(50.0)
    assert merged.latency.p50_ms == pytest.approx(1.0)
    assert merged.latency.p99_ms == pytest.approx(100.0)  # only in the slow run: a mean of percentiles would miss it
    assert merged.errors == 2 and merged.error_codes == {"UNAVAILABLE": 2}
