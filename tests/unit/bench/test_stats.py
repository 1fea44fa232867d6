import math

import pytest

from bench.measure_freshness import stages
from bench.stats import (
    at_least,
    below,
    bucket_quantile,
    median_of,
    parse_redis_benchmark_csv,
    percentile,
    rate,
    ratio,
    summarize,
    verdict,
)


def test_percentile_interpolates_between_ranks() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 99) == pytest.approx(3.97)


def test_percentile_ignores_input_order_and_handles_edges() -> None:
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarize_reports_milliseconds() -> None:
    s = summarize([0.001 * i for i in range(1, 101)])
    assert s.count == 100
    assert s.p50_ms == pytest.approx(50.5)
    assert s.p99_ms == pytest.approx(99.01)
    assert s.max_ms == pytest.approx(100.0)
    assert s.mean_ms == pytest.approx(50.5)
    assert summarize([]).count == 0


def test_rate_and_ratio_guard_against_missing_values() -> None:
    assert rate(100, 2.0) == 50.0
    assert math.isnan(rate(1, 0))
    assert ratio(50, 200) == 0.25
    assert math.isnan(ratio(1, 0))
    assert math.isnan(ratio(math.nan, 2))


def test_verdicts() -> None:
    assert verdict(at_least(0.6, 0.5)) == "PASS"
    assert verdict(at_least(0.4, 0.5)) == "FAIL"
    assert verdict(at_least(math.nan, 0.5)) == "n/a"
    assert verdict(below(499.0, 500.0)) == "PASS"
    assert verdict(below(500.0, 500.0)) == "FAIL"


def test_parse_redis_benchmark_csv() -> None:
    text = '"test","rps","avg_latency_ms"\n"ZADD","512345.67","0.512"\n"ZREVRANGE bench:z 0 19","300000.00","1.0"\n'
    assert parse_redis_benchmark_csv(text) == {"ZADD": 512345.67, "ZREVRANGE bench:z 0 19": 300000.0}


def test_bucket_quantile_is_the_bound_of_the_bucket_holding_the_quantile() -> None:
    # 100 observations: 50 at most 0.1, 90 at most 0.25, 99 at most 0.5, all at most 1 (cumulative, as exposed).
    buckets = {0.1: 50.0, 0.25: 90.0, 0.5: 99.0, 1.0: 100.0, math.inf: 100.0}
    assert bucket_quantile(buckets, 0.5) == 0.1
    assert bucket_quantile(buckets, 0.51) == 0.25
    assert bucket_quantile(buckets, 0.99) == 0.5
    assert bucket_quantile(buckets, 0.995) == 1.0
    assert math.isnan(bucket_quantile({0.1: 0.0, math.inf: 0.0}, 0.5))
    assert math.isnan(bucket_quantile({}, 0.5))


def test_stages_read_only_their_series_between_two_scrapes() -> None:
    def scrape(push: list[float], outbox: list[float], other: list[float]) -> dict[str, float]:
        out = {}
        for le, n in zip(("0.1", "0.5", "+Inf"), push, strict=True):
            out[f'feedmesh_timeline_freshness_seconds_bucket{{path="push",le="{le}"}}'] = n
        for le, n in zip(("0.1", "0.5", "+Inf"), other, strict=True):
            out[f'feedmesh_timeline_freshness_seconds_bucket{{path="own",le="{le}"}}'] = n
        for le, n in zip(("0.01", "0.1", "+Inf"), outbox, strict=True):
            out[f'feedmesh_outbox_lag_seconds_bucket{{le="{le}",producer="post"}}'] = n
        return out

    before = scrape(push=[5, 5, 5], outbox=[10, 10, 10], other=[0, 0, 0])
    after = scrape(push=[5, 105, 105], outbox=[109, 110, 110], other=[0, 0, 50])
    got = stages(before, after)
    assert got["publish_to_pushed"] == {"count": 100, "p50_ms_at_most": 500.0, "p99_ms_at_most": 500.0}
    assert got["commit_to_kafka"] == {"count": 100, "p50_ms_at_most": 10.0, "p99_ms_at_most": 10.0}


def test_median_of_picks_the_middle_run_by_its_key() -> None:
    runs = [(3.0, "a"), (1.0, "b"), (2.0, "c")]
    assert median_of(runs, key=lambda r: r[0])[1] == "c"
    assert median_of(runs[:2], key=lambda r: r[0])[1] == "b"  # even count: the lower middle
    assert median_of(runs[:1], key=lambda r: r[0])[1] == "a"
    with pytest.raises(ValueError):
        median_of([], key=lambda r: r[0])
