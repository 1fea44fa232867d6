"""The Prometheus rules of stack/conf/prometheus-rules: valid (`promtool check rules`), doing what they say on fed
series (`promtool test rules` over prometheus_rules/*_test.yml), defining every name the dashboard and `make status`
read, and no alert without a test that makes it fire. promtool comes with Prometheus (apt, `make up`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
RULES = sorted((ROOT / "stack/conf/prometheus-rules").glob("*.yml"))
RULE_TESTS = sorted((Path(__file__).parent / "prometheus_rules").glob("*_test.yml"))

# The names other parts read (the dashboard, stack/health.py): renaming one breaks them.
SHARED_NAMES = [
    *(f"feedmesh:timeline_freshness_seconds:{q}" for q in ("p50", "p95", "p99")),
    *(f"feedmesh:timeline_feed_latency_seconds:{q}" for q in ("p50", "p99")),
    "feedmesh:timeline_cache_hit:ratio",
    "feedmesh:fanout_backlog",
    "feedmesh:fanout_deliveries:rate",
    "feedmesh:fanout_failures:rate",
    "feedmesh:ranking_score_seconds:p95",
    "feedmesh:ranking_feature_cache_hit:ratio",
    "feedmesh:ranking_fallbacks:rate",
    "feedmesh:engagement_counter_drift:max",
    "feedmesh:engagement_flush_lag_seconds:max",
    "feedmesh:rpc_requests:rate",
    "feedmesh:rpc_errors:ratio",
    "feedmesh:rpc_latency_seconds:p99",
    "feedmesh:gateway_requests:rate",
    "feedmesh:gateway_5xx:ratio",
    "feedmesh:gateway_latency_seconds:p99",
]


def _promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool not found: it comes with the prometheus apt package that `make up` installs")
    return subprocess.run([promtool, *map(str, args)], capture_output=True, text=True, timeout=120, check=False)


def _rules(kind: str) -> list[str]:
    return [
        rule[kind]
        for path in RULES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if kind in rule
    ]


def test_the_rules_are_valid() -> None:
    assert RULES, "no rule files"
    result = _promtool("check", "rules", *RULES)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("rule_test", RULE_TESTS, ids=lambda p: p.name)
def test_the_rules_do_what_they_say(rule_test: Path) -> None:
    result = _promtool("test", "rules", rule_test)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_shared_name_is_recorded() -> None:
    missing = set(SHARED_NAMES) - set(_rules("record"))
    assert not missing, f"recording rules missing: {sorted(missing)}"


def test_every_alert_has_a_test_that_makes_it_fire() -> None:
    fired = {
        check["alertname"]
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for check in test.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    assert set(_rules("alert")) <= fired, f"alerts never seen firing: {sorted(set(_rules('alert')) - fired)}"


def test_prometheus_loads_every_rule_file() -> None:
    config = yaml.safe_load((ROOT / "stack/conf/prometheus.yml").read_text())
    patterns = [Path(p).name for p in config["rule_files"]]
    assert all(any(path.match(pattern) for pattern in patterns) for path in RULES), patterns
