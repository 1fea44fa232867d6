"""Budget windows and the 429 they produce: pure rules, no servers."""

from __future__ import annotations

import pytest

from services.engagement.domain.admission import Verdict, plan_attempt
from services.engagement.domain.budgets import BudgetPolicy, Period, budget_exhausted, current_windows
from services.engagement.domain.burst import BurstPolicy
from services.engagement.domain.model import Action

POLICY = BudgetPolicy(
    likes_per_minute=60,
    likes_per_day=1000,
    comments_per_minute=10,
    comments_per_day=300,
    shares_per_minute=5,
    shares_per_day=200,
)
# 2026-11-25T12:00:42Z
NOW = 1_795_608_042.5


def test_each_budgeted_action_counts_in_its_minute_and_its_day() -> None:
    for action, per_minute, per_day in (
        (Action.LIKE, 60, 1000),
        (Action.COMMENT, 10, 300),
        (Action.SHARE, 5, 200),
    ):
        minute, day = current_windows(POLICY, action, NOW, harder_divisor=10)
        assert (minute.period, minute.limit, minute.index) == (Period.MINUTE, per_minute, int(NOW // 60))
        assert (day.period, day.limit, day.index) == (Period.DAY, per_day, int(NOW // 86_400))


def test_unlikes_are_not_budgeted() -> None:
    assert current_windows(POLICY, Action.UNLIKE, NOW, harder_divisor=10) == []


def test_the_harder_limit_divides_every_budget_but_leaves_at_least_one() -> None:
    likes_minute, likes_day = current_windows(POLICY, Action.LIKE, NOW, harder_divisor=10)
    assert (likes_minute.harder_limit, likes_day.harder_limit) == (6, 100)
    shares_minute, _ = current_windows(POLICY, Action.SHARE, NOW, harder_divisor=10)
    assert shares_minute.harder_limit == 1


def test_windows_are_calendar_aligned_and_their_counters_outlive_them() -> None:
    minute, day = current_windows(POLICY, Action.LIKE, NOW, harder_divisor=1)
    assert minute.ends_at == 1_795_608_060  # 12:01:00Z
    assert day.ends_at % 86_400 == 0 and 0 < day.ends_at - NOW <= 86_400
    assert minute.ttl_seconds(NOW) == 19  # 17.5 s to the end, rounded up, and a second of slack
    assert minute.ttl_seconds(minute.ends_at - 0.001) == 2


def test_the_rejection_says_which_budget_and_when_it_resets() -> None:
    minute, _ = current_windows(POLICY, Action.LIKE, NOW, harder_divisor=10)
    error = budget_exhausted(minute, NOW, rate_limited_until=None)
    assert error.code.name == "RESOURCE_EXHAUSTED"
    assert error.reason == "ENGAGEMENT_BUDGET_EXHAUSTED"
    assert "likes per minute" in error.message and "(60)" in error.message
    assert "resets in 18 s at 2026-11-25T12:01:00Z" in error.message
    assert error.metadata == {
        "budget": "likes_per_minute",
        "limit": "60",
        "resets_at": "2026-11-25T12:01:00Z",
        "retry_after_seconds": "18",
    }


def test_a_rejection_under_the_harder_limit_says_so_and_until_when() -> None:
    _, day = current_windows(POLICY, Action.COMMENT, NOW, harder_divisor=10)
    error = budget_exhausted(day, NOW, rate_limited_until=NOW + 900)
    assert "comments per day" in error.message and "(30)" in error.message
    assert "rate-limited harder for unusual activity until 2026-11-25T12:15:42Z" in error.message
    assert error.metadata["limit"] == "30" and error.metadata["rate_limited_until"] == "2026-11-25T12:15:42Z"
    assert error.metadata["resets_at"] == "2026-11-26T00:00:00Z"


def test_an_admitted_verdict_is_no_error() -> None:
    assert Verdict(admitted=True).error(NOW) is None


def test_with_the_guard_off_the_harder_limit_is_the_limit_and_nothing_is_watched() -> None:
    attempt = plan_attempt(POLICY, None, 42, Action.LIKE, 7, NOW)
    assert attempt.burst is None
    assert [(w.limit, w.harder_limit) for w in attempt.windows] == [(60, 60), (1000, 1000)]


@pytest.mark.parametrize("action", [Action.LIKE, Action.UNLIKE, Action.COMMENT, Action.SHARE])
def test_with_the_guard_on_every_attempt_carries_its_checks(action: Action) -> None:
    attempt = plan_attempt(POLICY, BurstPolicy(), 42, action, 7, NOW)
    assert attempt.burst is not None and attempt.burst.penalty_seconds == 900
