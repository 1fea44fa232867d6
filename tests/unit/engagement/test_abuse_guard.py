"""The guard every engagement write asks first, on fakes of its ports: 429 past a budget, hidden for a
shadow-banned author, and admitted unchecked while the counter is down."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from services.common.errors import ResourceExhausted
from services.engagement.app.abuse_guard import EngagementGuard
from services.engagement.app.abuse_ports import CounterUnavailable
from services.engagement.domain.admission import Attempt, Verdict
from services.engagement.domain.budgets import BudgetPolicy
from services.engagement.domain.burst import BurstPolicy, BurstSignal
from services.engagement.domain.model import Action
from services.engagement.domain.shadow_bans import BanState

NOW = 1_795_608_042.5
POLICY = BudgetPolicy(3, 100, 2, 100, 1, 100)


class FakeCounter:
    """Counts attempts per window name in memory; `down` makes it fail like a Redis outage."""

    def __init__(self) -> None:
        self.used: dict[tuple[int, str], int] = {}
        self.down = False
        self.attempts: list[Attempt] = []

    async def admit(self, attempt: Attempt) -> Verdict:
        self.attempts.append(attempt)
        if self.down:
            raise CounterUnavailable("connection refused")
        for window in attempt.windows:
            if self.used.get((attempt.user_id, window.name), 0) >= window.limit:
                return Verdict(admitted=False, exhausted=window)
        for window in attempt.windows:
            self.used[(attempt.user_id, window.name)] = self.used.get((attempt.user_id, window.name), 0) + 1
        return Verdict(admitted=True)

    async def rate_limited_until(self, user_id: int, now: float) -> float | None:
        return None

    async def clear_rate_limit(self, user_id: int) -> bool:
        return False


class FakeBans:
    def __init__(self, states: dict[int, BanState]):
        self.states = states

    async def state(self, user_id: int) -> BanState:
        return self.states.get(user_id, BanState.NEVER)


def guard(counter: FakeCounter, bans: dict[int, BanState] | None = None) -> EngagementGuard:
    return EngagementGuard(counter, FakeBans(bans or {}), POLICY, BurstPolicy(), clock=lambda: NOW)


async def test_past_the_per_minute_budget_the_attempt_is_refused_with_the_budget_named() -> None:
    counter = FakeCounter()
    likes = guard(counter)
    for post in range(3):
        await likes.admit(1, Action.LIKE, post)
    with pytest.raises(ResourceExhausted) as refused:
        await likes.admit(1, Action.LIKE, 99)
    assert refused.value.metadata["budget"] == "likes_per_minute"
    await likes.admit(2, Action.LIKE, 99)  # another user's budget is untouched
    await likes.admit(1, Action.UNLIKE, 0)  # and unlikes are not budgeted


async def test_a_shadow_banned_author_is_admitted_hidden() -> None:
    admitted = guard(FakeCounter(), {1: BanState.ACTIVE, 2: BanState.LIFTED})
    assert (await admitted.admit(1, Action.COMMENT, 5)).hidden
    assert not (await admitted.admit(2, Action.COMMENT, 5)).hidden
    assert not (await admitted.admit(3, Action.COMMENT, 5)).hidden


async def test_while_the_counter_is_down_attempts_are_admitted() -> None:
    counter = FakeCounter()
    counter.down = True
    assert not (await guard(counter).admit(1, Action.SHARE, 5)).hidden


async def test_the_attempt_carries_the_post_for_the_loop_check() -> None:
    counter = FakeCounter()
    await guard(counter).admit(1, Action.LIKE, 5)
    (attempt,) = counter.attempts
    assert (attempt.post_id, attempt.now) == (5, NOW) and attempt.burst is not None


async def test_a_signal_is_reported_and_the_attempt_still_admitted() -> None:
    class Tripping(FakeCounter):
        async def admit(self, attempt: Attempt) -> Verdict:
            return Verdict(admitted=True, rate_limited_until=NOW + 900, signal=BurstSignal.LIKE_LOOP)

    def signals() -> float:
        return REGISTRY.get_sample_value("feedmesh_engagement_burst_signals_total", {"signal": "like_loop"}) or 0.0

    before = signals()
    assert not (await guard(Tripping()).admit(1, Action.UNLIKE, 5)).hidden
    assert signals() == before + 1
