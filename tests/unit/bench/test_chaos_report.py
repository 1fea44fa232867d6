"""The chaos run's judgement of what a client saw: which answers break the contract, and how recovery is timed."""

from __future__ import annotations

from bench.chaos_load import Sample
from bench.chaos_report import is_impaired, is_violation, markdown, outcome


def _at(started: float, status: str, *, seconds: float = 0.1, retry_after: bool = False, route: str = "feed") -> Sample:
    return Sample(route, started, seconds, status, retry_after)


def test_a_503_with_retry_after_and_a_degraded_feed_are_allowed() -> None:
    assert not is_violation(_at(0, "503", retry_after=True))
    assert not is_violation(_at(0, "200-degraded"))
    assert is_impaired(_at(0, "503", retry_after=True)) and is_impaired(_at(0, "200-degraded"))
    assert not is_impaired(_at(0, "200")) and not is_impaired(_at(0, "429"))


def test_500s_bare_503s_other_5xx_hangs_and_late_answers_are_violations() -> None:
    assert is_violation(_at(0, "500"))
    assert is_violation(_at(0, "503"))  # without Retry-After
    assert is_violation(_at(0, "504", retry_after=True))
    assert is_violation(_at(0, "timeout", seconds=12))
    assert is_violation(_at(0, "200", seconds=11.5))  # an answer, but past the route's deadline


def test_recovery_runs_from_the_restart_to_the_last_impaired_answer() -> None:
    samples = [
        _at(10, "503", retry_after=True),  # during the outage
        _at(20, "503", retry_after=True, seconds=0.5),  # after the restart answered at 19
        _at(21, "200"),
        _at(10, "200", route="post"),
    ]
    result = outcome("redis", "component", samples, stopping=9, stopped=9.5, ready=19, restart=16)
    feed = result.routes["feed"]
    assert feed.statuses == {"503": 1}
    assert feed.after_statuses == {"200": 1, "503": 1}
    assert feed.recovery_seconds == 1.5
    assert result.routes["post"].recovery_seconds == 0.0
    assert result.violations == 0
    assert result.outage_seconds == 10 and result.restart_seconds == 3
    table = markdown([result], started_at="now", command="make chaos-light", outage_seconds=12)
    assert "| redis | 10.0 | 503:1; max 0.10 s; rec 1.5 s |" in table
    assert "Contract violations: none." in table
