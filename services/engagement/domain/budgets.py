"""Per-user engagement budgets: how many likes, comments and shares one user may make per minute and per day.

Windows are fixed (the calendar minute, the UTC day), so a rejection can say exactly when the budget resets; the
price is that a user may spend two minutes' budgets across a minute boundary, which the burst guard and the
gateway's per-user write limit still bound. An attempt counts once it passes validation, whether or not it then
changes anything (liking a liked post spends a like): what is limited is the load a user puts on the service. A
rejected attempt spends nothing, so a client that retries after a 429 does not push its reset further away.
Unlikes are not budgeted (taking something back should always work); the burst guard watches them.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from services.common.errors import ResourceExhausted
from services.engagement.domain.model import Action


class Period(enum.Enum):
    MINUTE = 60
    DAY = 86_400

    @property
    def seconds(self) -> int:
        return self.value

    @property
    def label(self) -> str:
        return self.name.lower()


# The noun a message uses for an action's budget.
_NOUN = {Action.LIKE: "likes", Action.COMMENT: "comments", Action.SHARE: "shares"}


@dataclass(frozen=True)
class BudgetPolicy:
    """The budgets of every user (stack/defaults.env: FEEDMESH_ENGAGEMENT_<ACTION>S_PER_<MIN|DAY>)."""

    likes_per_minute: int
    likes_per_day: int
    comments_per_minute: int
    comments_per_day: int
    shares_per_minute: int
    shares_per_day: int

    def limit(self, action: Action, period: Period) -> int | None:
        """The budget of an action in a period; None for an action that is not budgeted."""
        if action not in _NOUN:
            return None
        return int(getattr(self, f"{_NOUN[action]}_per_{period.label}"))


@dataclass(frozen=True)
class Window:
    """One budget's current window: the `index`-th minute or day since the Unix epoch."""

    action: Action
    period: Period
    index: int
    limit: int
    # The budget while the user is rate-limited harder by the burst guard.
    harder_limit: int

    @property
    def name(self) -> str:
        """`likes_per_minute`: the machine-readable name a rejection carries."""
        return f"{_NOUN[self.action]}_per_{self.period.label}"

    @property
    def ends_at(self) -> int:
        """Unix seconds at which the window ends and its budget resets."""
        return (self.index + 1) * self.period.seconds

    def ttl_seconds(self, now: float) -> int:
        """How long its counter must live: to the window's end, and a second more against clock rounding."""
        return max(1, math.ceil(self.ends_at - now)) + 1


def current_windows(policy: BudgetPolicy, action: Action, now: float, *, harder_divisor: int) -> list[Window]:
    """The windows an attempt of `action` at `now` counts in, the minute first; none for an unbudgeted action.
    Under a harder limit each budget is divided by `harder_divisor`, but never below one."""
    windows = []
    for period in (Period.MINUTE, Period.DAY):
        limit = policy.limit(action, period)
        if limit is None:
            continue
        windows.append(
            Window(
                action=action,
                period=period,
                index=int(now // period.seconds),
                limit=limit,
                harder_limit=max(1, limit // harder_divisor),
            )
        )
    return windows


def _utc(unix_seconds: float) -> str:
    return datetime.fromtimestamp(unix_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def budget_exhausted(window: Window, now: float, *, rate_limited_until: float | None) -> ResourceExhausted:
    """The 429 of an attempt past `window`'s budget: which budget, its limit, and when it resets."""
    harder = rate_limited_until is not None
    limit = window.harder_limit if harder else window.limit
    retry_after = max(1, math.ceil(window.ends_at - now))
    message = f"{window.name.replace('_', ' ')} budget used up ({limit}); it resets in {retry_after} s"
    message += f" at {_utc(window.ends_at)}"
    metadata = {
        "budget": window.name,
        "limit": str(limit),
        "resets_at": _utc(window.ends_at),
        "retry_after_seconds": str(retry_after),
    }
    if rate_limited_until is not None:
        message += f"; this account is rate-limited harder for unusual activity until {_utc(rate_limited_until)}"
        metadata["rate_limited_until"] = _utc(rate_limited_until)
    return ResourceExhausted(message, reason="ENGAGEMENT_BUDGET_EXHAUSTED", metadata=metadata)
