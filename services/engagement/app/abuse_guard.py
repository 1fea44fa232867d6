"""The question every engagement write asks first: may this user do this now, and is what they write hidden?

    admission = await guard.admit(user_id, Action.LIKE, post_id)   # raises ResourceExhausted (429) past a budget
    ... write the like with hidden=admission.hidden; publish its event only if not hidden ...

The budgets and the shadow-ban lookup are asked together (one Redis round trip each, concurrently). When the budget
counter's store is down the attempt is admitted: the abuse limits should not take engagement down with them, and the
gateway's per-user write limit still bounds what one user can send meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter

from services.engagement.app.abuse_ports import BudgetCounter, CounterUnavailable, ShadowBanLookup
from services.engagement.domain.admission import Attempt, Verdict, plan_attempt
from services.engagement.domain.budgets import BudgetPolicy
from services.engagement.domain.burst import BurstPolicy
from services.engagement.domain.model import Action
from services.engagement.domain.shadow_bans import has_hidden_engagement, written_hidden

log = logging.getLogger(__name__)

REJECTIONS = Counter(
    "feedmesh_engagement_budget_rejections_total", "Engagement attempts refused past a budget", ["budget"]
)
BURST_SIGNALS = Counter(
    "feedmesh_engagement_burst_signals_total", "Times the burst guard limited a user harder", ["signal"]
)
ADMITTED_UNCHECKED = Counter(
    "feedmesh_engagement_budget_unchecked_total", "Engagement attempts admitted because the budget counter was down"
)


@dataclass(frozen=True)
class Admission:
    """An admitted attempt: `hidden` when its author is shadow-banned (store it hidden, publish no event);
    `sees_own_hidden` when the author may have hidden engagement (banned now or before)."""

    hidden: bool
    sees_own_hidden: bool = False


class EngagementGuard:
    def __init__(
        self,
        counter: BudgetCounter,
        bans: ShadowBanLookup,
        budgets: BudgetPolicy,
        burst: BurstPolicy | None,
        clock: Callable[[], float] = time.time,
    ):
        self.counter = counter
        self.bans = bans
        self.budgets = budgets
        self.burst = burst
        self.clock = clock

    async def sees_own_hidden(self, user_id: int) -> bool:
        """Whether the user may have hidden engagement of their own (banned now or before)."""
        return has_hidden_engagement(await self.bans.state(user_id))

    async def admit(self, user_id: int, action: Action, post_id: int | None = None) -> Admission:
        """Counts the attempt against the user's budgets; raises ResourceExhausted past one. `post_id` is the post
        liked or unliked (the like-loop check watches it)."""
        now = self.clock()
        attempt = plan_attempt(self.budgets, self.burst, user_id, action, post_id, now)
        verdict, state = await asyncio.gather(self._verdict(attempt), self.bans.state(user_id))
        if verdict.signal is not None:
            BURST_SIGNALS.labels(verdict.signal.name.lower()).inc()
            log.warning(
                "burst guard: limiting a user harder",
                extra={"user_id": user_id, "signal": verdict.signal.name, "until": verdict.rate_limited_until},
            )
        error = verdict.error(now)
        if error is not None:
            REJECTIONS.labels(error.metadata["budget"]).inc()
            raise error
        return Admission(hidden=written_hidden(state), sees_own_hidden=has_hidden_engagement(state))

    async def _verdict(self, attempt: Attempt) -> Verdict:
        try:
            return await self.counter.admit(attempt)
        except CounterUnavailable as exc:
            ADMITTED_UNCHECKED.inc()
            log.warning("budget counter unavailable: admitting unchecked", extra={"error": str(exc)})
            return Verdict(admitted=True)
