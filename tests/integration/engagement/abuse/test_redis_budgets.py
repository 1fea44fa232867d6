"""The budget counter against the real Redis: budgets hold exactly under concurrency, a refusal spends nothing,
the burst guard's signals trip the harder limit, and with the guard off nothing does."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from services.common import redis_keys
from services.common.redis_mux import RedisMux
from services.engagement.adapters.redis_budgets import RedisBudgetCounter
from services.engagement.domain.admission import Verdict, plan_attempt
from services.engagement.domain.budgets import BudgetPolicy, Period
from services.engagement.domain.burst import BurstPolicy, BurstSignal
from services.engagement.domain.model import Action
from tests.integration.engagement.abuse.conftest import DAY, user_id_aged

POLICY = BudgetPolicy(
    likes_per_minute=60,
    likes_per_day=1000,
    comments_per_minute=3,
    comments_per_day=5,
    shares_per_minute=5,
    shares_per_day=200,
)
GUARD = BurstPolicy()


@pytest.fixture
def counter(mux: RedisMux) -> RedisBudgetCounter:
    return RedisBudgetCounter(mux)


def now_in_one_minute() -> float:
    """A moment well inside a minute, so every attempt a test makes at it counts in the same windows."""
    now = time.time()
    return now if now % 60 < 50 else now + 15


async def attempt(
    counter: RedisBudgetCounter,
    user_id: int,
    action: Action,
    post_id: int | None,
    now: float,
    *,
    guard: BurstPolicy | None = GUARD,
) -> Verdict:
    return await counter.admit(plan_attempt(POLICY, guard, user_id, action, post_id, now))


async def test_the_minute_budget_holds_and_a_refusal_spends_nothing(
    counter: RedisBudgetCounter, users: list[int], redis_client: Any
) -> None:
    user = user_id_aged(30 * DAY)
    users.append(user)
    now = now_in_one_minute()
    verdicts = [await attempt(counter, user, Action.COMMENT, post, now) for post in range(5)]
    assert [v.admitted for v in verdicts] == [True, True, True, False, False]
    refused = verdicts[3]
    assert refused.exhausted is not None and refused.exhausted.period is Period.MINUTE
    assert refused.rate_limited_until is None and refused.error(now) is not None
    minute_key = redis_keys.engagement_budget_window(user, "comment", "minute", int(now // 60))
    assert redis_client.get(minute_key) == b"3"
    assert 0 < redis_client.ttl(minute_key) <= 61
    # the next minute has room again, until the day's budget (5) is spent
    later = [await attempt(counter, user, Action.COMMENT, 1, now + 60) for _ in range(3)]
    assert [v.admitted for v in later] == [True, True, False]
    assert later[2].exhausted is not None and later[2].exhausted.period is Period.DAY


async def test_concurrent_attempts_never_overspend(counter: RedisBudgetCounter, users: list[int]) -> None:
    user = user_id_aged(30 * DAY)
    users.append(user)
    now = now_in_one_minute()
    verdicts = await asyncio.gather(*(attempt(counter, user, Action.SHARE, post, now) for post in range(40)))
    assert sum(v.admitted for v in verdicts) == POLICY.shares_per_minute


async def test_a_like_loop_trips_the_harder_limit(counter: RedisBudgetCounter, users: list[int]) -> None:
    user = user_id_aged(30 * DAY)
    users.append(user)
    now = now_in_one_minute()
    # repeating the same action is no loop
    for _ in range(10):
        assert (await attempt(counter, user, Action.LIKE, 7, now)).signal is None
    # like, unlike, like, ...: the 6th alternation trips the guard
    signals = []
    for i in range(6):
        verdict = await attempt(counter, user, Action.UNLIKE if i % 2 == 0 else Action.LIKE, 7, now)
        signals.append(verdict.signal)
    assert signals == [None] * 5 + [BurstSignal.LIKE_LOOP]
    until = await counter.rate_limited_until(user, now)
    assert until is not None and now + 890 < until <= now + 900
    # 13 likes this minute already: far past the harder limit (60 / 10 = 6), so the next one is refused
    refused = await attempt(counter, user, Action.LIKE, 8, now)
    assert not refused.admitted and refused.rate_limited_until is not None
    error = refused.error(now)
    assert error is not None and error.metadata["limit"] == "6" and "rate-limited harder" in error.message
    # an operator lifts it
    assert await counter.clear_rate_limit(user)
    assert await counter.rate_limited_until(user, now) is None
    assert (await attempt(counter, user, Action.LIKE, 8, now)).admitted


async def test_a_new_account_liking_fast_trips_the_harder_limit(counter: RedisBudgetCounter, users: list[int]) -> None:
    new, old = user_id_aged(600), user_id_aged(30 * DAY)
    users += [new, old]
    now = now_in_one_minute()
    new_verdicts = [await attempt(counter, new, Action.LIKE, post, now) for post in range(31)]
    assert [v.signal for v in new_verdicts[:29]] == [None] * 29
    assert new_verdicts[29].admitted and new_verdicts[29].signal is BurstSignal.NEW_ACCOUNT_VELOCITY
    assert not new_verdicts[30].admitted  # 30 likes this minute, harder limit 6
    old_verdicts = [await attempt(counter, old, Action.LIKE, post, now) for post in range(31)]
    assert all(v.admitted and v.signal is None for v in old_verdicts)


async def test_with_the_guard_off_nothing_trips_and_no_harder_limit_applies(
    counter: RedisBudgetCounter, users: list[int], redis_client: Any
) -> None:
    new = user_id_aged(600)
    users.append(new)
    now = now_in_one_minute()
    # limited harder before the guard was switched off
    redis_client.set(redis_keys.engagement_harder_limit(new), 1, ex=900)
    verdicts = [await attempt(counter, new, Action.LIKE, 7, now, guard=None) for _ in range(40)]
    verdicts += [await attempt(counter, new, Action.UNLIKE, 7, now, guard=None) for _ in range(3)]
    assert all(v.admitted and v.signal is None and v.rate_limited_until is None for v in verdicts)
    assert redis_client.get(redis_keys.engagement_budget_window(new, "like", "minute", int(now // 60))) == b"40"
    assert not redis_client.exists(redis_keys.engagement_like_flips(new, 7))
