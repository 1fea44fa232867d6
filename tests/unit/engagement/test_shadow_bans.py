"""Which viewer sees which engagement under shadow bans: pure rules, both sides."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.errors import InvalidArgument
from services.engagement.domain.model import Counts
from services.engagement.domain.shadow_bans import (
    BanState,
    ShadowBan,
    check_operator_text,
    counts_seen_by,
    has_hidden_engagement,
    publishes_events,
    visible_to,
    written_hidden,
)

BANNED, OTHER = 11, 22


def test_only_engagement_written_during_a_ban_is_hidden() -> None:
    assert written_hidden(BanState.ACTIVE)
    assert not written_hidden(BanState.NEVER)
    assert not written_hidden(BanState.LIFTED)


def test_hidden_engagement_is_seen_by_its_author_only() -> None:
    assert visible_to(BANNED, author_id=BANNED, hidden=True)
    assert not visible_to(OTHER, author_id=BANNED, hidden=True)
    assert visible_to(OTHER, author_id=BANNED, hidden=False)
    assert not visible_to(0, author_id=BANNED, hidden=True)  # an anonymous reader is nobody's author


def test_the_author_sees_the_counts_with_their_own_hidden_engagement_and_others_without() -> None:
    public = Counts(likes=10, comments=3, shares=1)
    own_hidden = Counts(likes=1, comments=2, shares=1)
    assert counts_seen_by(public, own_hidden) == Counts(11, 5, 2)
    assert counts_seen_by(public, Counts()) == public


def test_only_users_ever_banned_can_have_hidden_engagement_to_add() -> None:
    assert not has_hidden_engagement(BanState.NEVER)
    assert has_hidden_engagement(BanState.ACTIVE)
    assert has_hidden_engagement(BanState.LIFTED)


def test_hidden_engagement_notifies_nobody() -> None:
    assert not publishes_events(hidden=True)
    assert publishes_events(hidden=False)


def test_a_bans_state_follows_its_lifting() -> None:
    at = datetime(2026, 11, 25, tzinfo=UTC)
    ban = ShadowBan(user_id=BANNED, reason="spam", banned_by="ops", banned_at=at)
    assert ban.state is BanState.ACTIVE
    assert ShadowBan(BANNED, "spam", "ops", at, lifted_at=at, lifted_by="ops").state is BanState.LIFTED


def test_operator_text_is_trimmed_and_bounded() -> None:
    assert check_operator_text("  spam ring ", " alice ") == ("spam ring", "alice")
    with pytest.raises(InvalidArgument, match="operator is required"):
        check_operator_text("spam", "  ")
    with pytest.raises(InvalidArgument, match="reason is at most 500"):
        check_operator_text("x" * 501, "alice")
