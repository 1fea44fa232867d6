"""Shadow bans, and which viewer sees which engagement.

An operator shadow-bans a user; from then on each like, comment and share that user makes is stored *hidden*,
decided once, when it is written, and kept on the row. A hidden engagement looks normal to its author (their like
counted and `likedByMe`, their comment listed and counted, their share counted) and does not exist for anyone else:
no count, no list entry, no event, so no notification. Deciding at write time keeps the write-back counters exact:
each engagement counts where it was counted when made, and an unlike takes back exactly what its like added.
So a ban does not reach back to engagement made before it, and an unban does not reveal what was hidden meanwhile
(it was never shown, and showing it late would notify about old activity); the author keeps seeing it as before.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from services.common.errors import InvalidArgument
from services.engagement.domain.model import Counts

MAX_REASON_CHARS = 500
MAX_OPERATOR_CHARS = 100


class BanState(enum.Enum):
    NEVER = "never"
    ACTIVE = "active"
    # Lifted: the user engages normally again, but may still have hidden engagement from the ban.
    LIFTED = "lifted"


@dataclass(frozen=True)
class ShadowBan:
    user_id: int
    reason: str
    banned_by: str
    banned_at: datetime
    lifted_at: datetime | None = None
    lifted_by: str = ""

    @property
    def state(self) -> BanState:
        return BanState.ACTIVE if self.lifted_at is None else BanState.LIFTED


def written_hidden(author_state: BanState) -> bool:
    """Whether an engagement written now by a user in `author_state` is stored hidden."""
    return author_state is BanState.ACTIVE


def visible_to(viewer_id: int, *, author_id: int, hidden: bool) -> bool:
    """Whether a viewer sees one engagement (a comment in a list, a like in `likedByMe`): its author always does."""
    return not hidden or viewer_id == author_id


def counts_seen_by(public: Counts, viewer_hidden: Counts) -> Counts:
    """A post's counts as one viewer sees them: what everyone sees, plus the viewer's own hidden engagement on it.
    `viewer_hidden` is zero for every viewer who was never banned, so only they need it looked up."""
    return public + viewer_hidden


def has_hidden_engagement(state: BanState) -> bool:
    """Whether a viewer may have hidden engagement of their own to add to what they see."""
    return state is not BanState.NEVER


def publishes_events(hidden: bool) -> bool:
    """Hidden engagement sends no event: nobody is notified, nothing downstream counts it."""
    return not hidden


def check_operator_text(reason: str, operator: str) -> tuple[str, str]:
    """The reason and operator name of an admin action, trimmed; an operator name is required for the record."""
    reason, operator = reason.strip(), operator.strip()
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidArgument(f"reason is at most {MAX_REASON_CHARS} characters", reason="BAD_REASON")
    if not operator:
        raise InvalidArgument("operator is required: who acts, for the record", reason="MISSING_OPERATOR")
    if len(operator) > MAX_OPERATOR_CHARS:
        raise InvalidArgument(f"operator is at most {MAX_OPERATOR_CHARS} characters", reason="BAD_OPERATOR")
    return reason, operator


@dataclass(frozen=True)
class UserStatus:
    """What an operator sees of one user: their shadow ban (the latest, active or lifted) and the burst guard's
    harder limit."""

    user_id: int
    account_created_at: datetime
    ban: ShadowBan | None
    # Unix seconds until which the burst guard limits the user harder; None when it does not.
    rate_limited_until: float | None

    @property
    def ban_state(self) -> BanState:
        return self.ban.state if self.ban is not None else BanState.NEVER
