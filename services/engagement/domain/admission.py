"""Admitting one engagement attempt: what the budget counter must check (an `Attempt`), and what it found (a
`Verdict`). The counter applies the checks atomically; the rules that decide them live here and in budgets/burst."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.errors import ResourceExhausted
from services.engagement.domain.budgets import BudgetPolicy, Window, budget_exhausted, current_windows
from services.engagement.domain.burst import BurstChecks, BurstPolicy, BurstSignal
from services.engagement.domain.model import Action


@dataclass(frozen=True)
class Attempt:
    user_id: int
    action: Action
    # The post liked or unliked, for the like-loop check; None for actions the loop check does not watch.
    post_id: int | None
    windows: list[Window]
    # None when the burst guard is off: no signals, and no harder limit even for a user already under one.
    burst: BurstChecks | None
    now: float


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    # The window whose budget was used up (when not admitted).
    exhausted: Window | None = None
    # Unix seconds until which the user is rate-limited harder; None when not.
    rate_limited_until: float | None = None
    # The signal this attempt raised, if it tripped the guard.
    signal: BurstSignal | None = None

    def error(self, now: float) -> ResourceExhausted | None:
        """The 429 to answer, or None when the attempt was admitted."""
        if self.admitted or self.exhausted is None:
            return None
        return budget_exhausted(self.exhausted, now, rate_limited_until=self.rate_limited_until)


def plan_attempt(
    budgets: BudgetPolicy, burst: BurstPolicy | None, user_id: int, action: Action, post_id: int | None, now: float
) -> Attempt:
    """The checks of one attempt; `burst` None when the burst guard is off."""
    divisor = burst.harder_divisor if burst is not None else 1
    return Attempt(
        user_id=user_id,
        action=action,
        post_id=post_id,
        windows=current_windows(budgets, action, now, harder_divisor=divisor),
        burst=burst.checks(user_id, action, on_post=post_id is not None, now=now) if burst is not None else None,
        now=now,
    )
