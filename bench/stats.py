"""Pure figures math: percentiles, latency summaries, rates and ratios (unit-tested in tests/unit/bench)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 <= q <= 100) by linear interpolation between closest ranks (numpy's default);
    NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be in [0, 100], got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


@dataclass(frozen=True)
class Latency:
    """A latency distribution in milliseconds."""

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def summarize(seconds: Sequence[float]) -> Latency:
    """Percentiles of latencies given in seconds, reported in milliseconds."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return Latency(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    return Latency(
        count=len(ms),
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        max_ms=max(ms),
        mean_ms=sum(ms) / len(ms),
    )


def median_of(items: Sequence[T], key: Callable[[T], float]) -> T:
    """The item whose key is the median (the lower middle one of an even count): a repeated measurement reported
    as one run that happened, not as an average of runs."""
    if not items:
        raise ValueError("median_of needs at least one item")
    return sorted(items, key=key)[(len(items) - 1) // 2]


def rate(count: float, seconds: float) -> float:
    """Events per second; NaN when no time elapsed."""
    return count / seconds if seconds > 0 else math.nan


def ratio(value: float, baseline: float) -> float:
    """value / baseline; NaN when either is missing or the baseline is zero."""
    if baseline == 0 or math.isnan(baseline) or math.isnan(value):
        return math.nan
    return value / baseline


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def at_least(value: float, floor: float) -> bool | None:
    """PASS when value >= floor; None (n/a) when the value could not be measured."""
    return None if math.isnan(value) else value >= floor


def below(value: float, ceiling: float) -> bool | None:
    return None if math.isnan(value) else value < ceiling


def parse_redis_benchmark_csv(text: str) -> dict[str, float]:
    """`redis-benchmark --csv` output -> {test name: requests per second}. The first line is a header
    ("test","rps",...); each other line starts with the quoted test name and its rps."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        cells = [c.strip().strip('"') for c in line.split(",")]
        if len(cells) < 2 or cells[0] == "test":
            continue
        try:
            out[cells[0]] = float(cells[1])
        except ValueError:
            continue
    return out


def bucket_quantile(buckets: dict[float, float], q: float) -> float:
    """The upper bound of the histogram bucket that holds the q-th quantile (0 < q < 1), given cumulative counts
    per bucket bound (`le`, +Inf included) as Prometheus exposes them: the value is at most this. NaN when empty."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return math.nan
    wanted = q * buckets[bounds[-1]]
    return next(le for le in bounds if buckets[le] >= wanted)


_LE = re.compile(r'le="([^"]+)"')


def histogram_delta(
    before: Mapping[str, float], after: Mapping[str, float], series: str, selector: str = ""
) -> dict[str, float]:
    """Count, p50 and p99 (ms, bucket upper bounds: "at most") of the observations a Prometheus histogram made
    between two scrapes (`name{labels}` -> value), over its buckets (`series`, the `_bucket` name) whose labels
    hold `selector`."""
    buckets: dict[float, float] = {}
    for key, value in after.items():
        if key.startswith(series + "{") and selector in key and (le := _LE.search(key)):
            buckets[float(le.group(1))] = value - before.get(key, 0.0)
    return {
        "count": max(buckets.values(), default=0),
        "p50_ms_at_most": bucket_quantile(buckets, 0.5) * 1000,
        "p99_ms_at_most": bucket_quantile(buckets, 0.99) * 1000,
    }
