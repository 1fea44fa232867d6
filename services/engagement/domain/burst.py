"""The burst guard: signs of automated engagement, and the harder rate limit that follows them.

Two signals (FEEDMESH_ENGAGEMENT_BURST_GUARD=on; off for benchmarks and load tests):
- a like loop: the same user alternating like and unlike on the same post 6 times within a minute (three full
  cycles). A person who mis-taps undoes it once or twice; a script farming notifications or probing counters loops.
- a new account, under a day old by its id, making 30 likes in one calendar minute: one every two seconds, faster
  than anyone reads the posts they like. The attack it stops is hundreds a minute; 30 catches it well before that,
  and is half the default per-minute budget, so an established account liking briskly is never mistaken for one.
Either signal rate-limits the user harder for 15 minutes: every budget divided by 10 (at least 1 left), so a real
person caught by mistake can still engage, slowly, while a script is cut to a trickle. Each new signal in that time
restarts the 15 minutes. Operators can lift it early (`feedmesh admin clear-rate-limit`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from services.common.ids import id_time_ms
from services.engagement.domain.model import Action


class BurstSignal(enum.Enum):
    """What tripped the guard; the values are what the Redis counter reports."""

    LIKE_LOOP = 1
    NEW_ACCOUNT_VELOCITY = 2


@dataclass(frozen=True)
class BurstChecks:
    """What the budget counter checks for one attempt, in the same atomic step as the budgets."""

    # Like/unlike alternations on the attempt's post that trip the guard; 0: not checked.
    flip_threshold: int
    flip_window_seconds: int
    # Attempts in the action's current minute window that trip the guard; 0: not checked.
    minute_threshold: int
    penalty_seconds: int


@dataclass(frozen=True)
class BurstPolicy:
    flip_threshold: int = 6
    flip_window_seconds: int = 60
    new_account_seconds: int = 86_400
    new_account_likes_per_minute: int = 30
    penalty_seconds: int = 900
    harder_divisor: int = 10

    def is_new_account(self, user_id: int, now: float) -> bool:
        """Ids are time-ordered: an id tells when its account was created."""
        return now * 1000 - id_time_ms(user_id) < self.new_account_seconds * 1000

    def checks(self, user_id: int, action: Action, *, on_post: bool, now: float) -> BurstChecks:
        """The checks an attempt of `action` gets: loops for likes and unlikes of a post, velocity for the likes of
        a new account."""
        flips = action in (Action.LIKE, Action.UNLIKE) and on_post
        velocity = action is Action.LIKE and self.is_new_account(user_id, now)
        return BurstChecks(
            flip_threshold=self.flip_threshold if flips else 0,
            flip_window_seconds=self.flip_window_seconds,
            minute_threshold=self.new_account_likes_per_minute if velocity else 0,
            penalty_seconds=self.penalty_seconds,
        )
