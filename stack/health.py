"""`make status`'s health summary, one screen from Prometheus's HTTP API through the recording rules of
stack/conf/prometheus-rules (docs/observability.md): scrape targets up, fanout backlog, error rates, feed latency,
freshness, alerts firing. Prometheus down or without the rules is said in one line, not a stack trace.

    python -m stack.health
"""

from __future__ import annotations

import json
import math
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from stack.settings import load_settings

TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


Query = Callable[[str], list[Sample]]


class PrometheusDown(Exception):
    pass


def http_query(base_url: str) -> Query:
    """An instant query against `base_url`'s /api/v1/query."""

    def query(expr: str) -> list[Sample]:
        url = f"{base_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
                body = json.load(response)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PrometheusDown(f"{type(exc).__name__}: {exc}") from None
        return [Sample(r["metric"], float(r["value"][1])) for r in body["data"]["result"]]

    return query


def _seconds(value: float) -> str:
    if math.isnan(value):
        return "no traffic"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def _percent(value: float) -> str:
    return "no traffic" if math.isnan(value) else f"{value:.1%}"


def _one(query: Query, expr: str) -> float:
    """The single value of `expr`, NaN when there is none."""
    samples = query(expr)
    return samples[0].value if samples else math.nan


def targets_line(query: Query) -> str:
    samples = query("up")
    down = [
        f"{s.labels.get('process') or s.labels.get('service') or s.labels.get('job')}" for s in samples if not s.value
    ]
    line = f"{len(samples) - len(down)} of {len(samples)} scrape targets up"
    return line + (f"; DOWN: {', '.join(sorted(down))}" if down else "")


def errors_line(query: Query) -> str:
    rate = _one(query, "sum(feedmesh:rpc_requests:rate)")
    if not rate > 0:  # also NaN
        line = "rpc: no calls"
    else:
        # a method without calls has a NaN ratio: left out, not NaN for the sum
        faults = _one(query, "sum(feedmesh:rpc_errors:ratio * feedmesh:rpc_requests:rate >= 0) or vector(0)")
        line = f"rpc server faults {_percent(faults / rate)} of {rate:.1f} calls/s"
    worst = query("topk(1, feedmesh:rpc_errors:ratio > 0)")
    if worst:
        line += f" (worst {worst[0].labels['service']}.{worst[0].labels['method']} {_percent(worst[0].value)})"
    return line + f"; gateway 5xx to REST clients {_percent(_one(query, 'feedmesh:gateway_downstream_5xx:ratio'))}"


def feed_line(query: Query) -> str:
    by_mode = {s.labels.get("mode", ""): s.value for s in query("feedmesh:timeline_feed_latency_seconds:p99")}
    return ", ".join(f"{mode} {_seconds(value)}" for mode, value in sorted(by_mode.items())) or "no reads yet"


def alerts_line(query: Query) -> str:
    firing = sorted({s.labels["alertname"] for s in query('ALERTS{alertstate="firing"}')})
    return ", ".join(firing) or "none"


def summary(query: Query) -> list[str]:
    if not query('count({__name__=~"feedmesh:.+"})'):
        return [
            "  the recording rules are not loaded (Prometheus started before them): "
            "bash stack/ctl.sh restart prometheus",
            f"  {targets_line(query)}",
        ]
    backlog = _one(query, "feedmesh:fanout_backlog")
    return [
        f"  targets          {targets_line(query)}",
        f"  fanout backlog   {'no data' if math.isnan(backlog) else f'{backlog:.0f} messages'}",
        f"  errors           {errors_line(query)}",
        f"  feed p99         {feed_line(query)}",
        f"  freshness p99    {_seconds(_one(query, 'feedmesh:timeline_freshness_seconds:p99'))}",
        f"  alerts firing    {alerts_line(query)}",
    ]


def main() -> int:
    url = load_settings().prometheus_url
    print(f"health over the last minute (Prometheus {url}, rules in stack/conf/prometheus-rules):")
    try:
        lines = summary(http_query(url))
    except PrometheusDown as exc:
        lines = [f"  Prometheus does not answer ({exc}): no summary; bash stack/ctl.sh start prometheus"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
