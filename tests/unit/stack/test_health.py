"""`make status`'s health summary (stack.health) on canned Prometheus answers: each line reads its recording rule,
says "no traffic" for a NaN quantile, names what is down, and Prometheus without the rules or down is one clear
line."""

from __future__ import annotations

import math

import pytest

from stack import health
from stack.health import Sample


def _prometheus(answers: dict[str, list[Sample]]) -> health.Query:
    def query(expr: str) -> list[Sample]:
        return answers.get(expr, [])

    return query


LOADED = {'count({__name__=~"feedmesh:.+"})': [Sample({}, 22)]}


def test_a_loaded_prometheus_gives_one_line_per_figure() -> None:
    query = _prometheus(
        {
            **LOADED,
            "up": [
                Sample({"job": "services", "service": "post"}, 1),
                Sample({"job": "services", "service": "timeline", "process": "timeline-ingest"}, 0),
                Sample({"job": "envoy"}, 1),
            ],
            "feedmesh:fanout_backlog": [Sample({}, 1234)],
            "sum(feedmesh:rpc_requests:rate)": [Sample({}, 200)],
            "sum(feedmesh:rpc_errors:ratio * feedmesh:rpc_requests:rate >= 0) or vector(0)": [Sample({}, 3)],
            "topk(1, feedmesh:rpc_errors:ratio > 0)": [Sample({"service": "post", "method": "CreatePost"}, 0.05)],
            "feedmesh:gateway_downstream_5xx:ratio": [Sample({}, math.nan)],
            "feedmesh:timeline_feed_latency_seconds:p99": [
                Sample({"mode": "ranked"}, 0.4),
                Sample({"mode": "chronological"}, 0.0451),
            ],
            "feedmesh:timeline_freshness_seconds:p99": [Sample({}, 0.335)],
            'ALERTS{alertstate="firing"}': [Sample({"alertname": "FeedmeshTargetDown"}, 1)],
        }
    )
    lines = health.summary(query)
    assert lines == [
        "  targets          2 of 3 scrape targets up; DOWN: timeline-ingest",
        "  fanout backlog   1234 messages",
        "  errors           rpc server faults 1.5% of 200.0 calls/s (worst post.CreatePost 5.0%);"
        " gateway 5xx to REST clients no traffic",
        "  feed p99         chronological 45 ms, ranked 400 ms",
        "  freshness p99    335 ms",
        "  alerts firing    FeedmeshTargetDown",
    ]


def test_an_idle_stack_says_so_rather_than_zero() -> None:
    lines = health.summary(_prometheus({**LOADED, "sum(feedmesh:rpc_requests:rate)": [Sample({}, 0)]}))
    assert "rpc: no calls" in lines[2]
    assert lines[3].endswith("no reads yet")
    assert lines[4].endswith("no traffic")
    assert lines[5].endswith("none")


def test_a_prometheus_without_the_rules_says_how_to_load_them() -> None:
    lines = health.summary(_prometheus({"up": [Sample({"job": "envoy"}, 1)]}))
    assert "recording rules are not loaded" in lines[0]
    assert lines[1] == "  1 of 1 scrape targets up"


def test_prometheus_down_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FEEDMESH_PROMETHEUS_URL", "http://127.0.0.1:1")  # nothing listens on port 1
    assert health.main() == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[1].startswith("  Prometheus does not answer (URLError")
