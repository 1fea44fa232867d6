"""The burst guard's rules: who is a new account, which attempts are watched for what."""

from __future__ import annotations

from services.common.ids import IdGenerator
from services.engagement.domain.burst import BurstPolicy
from services.engagement.domain.model import Action

NOW = 1_795_608_042.5
POLICY = BurstPolicy()


def user_created(seconds_ago: float) -> int:
    return IdGenerator(3, clock_ms=lambda: int((NOW - seconds_ago) * 1000)).next_id()


def test_an_account_is_new_for_a_day_from_its_ids_time() -> None:
    assert POLICY.is_new_account(user_created(60), NOW)
    assert POLICY.is_new_account(user_created(86_399), NOW)
    assert not POLICY.is_new_account(user_created(86_401), NOW)
    assert not POLICY.is_new_account(user_created(400 * 86_400), NOW)


def test_likes_and_unlikes_of_a_post_are_watched_for_loops() -> None:
    old = user_created(30 * 86_400)
    for action in (Action.LIKE, Action.UNLIKE):
        checks = POLICY.checks(old, action, on_post=True, now=NOW)
        assert (checks.flip_threshold, checks.flip_window_seconds) == (6, 60)
    assert POLICY.checks(old, Action.COMMENT, on_post=True, now=NOW).flip_threshold == 0
    assert POLICY.checks(old, Action.LIKE, on_post=False, now=NOW).flip_threshold == 0


def test_only_a_new_accounts_likes_are_watched_for_velocity() -> None:
    new, old = user_created(600), user_created(30 * 86_400)
    assert POLICY.checks(new, Action.LIKE, on_post=True, now=NOW).minute_threshold == 30
    assert POLICY.checks(old, Action.LIKE, on_post=True, now=NOW).minute_threshold == 0
    assert POLICY.checks(new, Action.COMMENT, on_post=True, now=NOW).minute_threshold == 0
    assert POLICY.checks(new, Action.UNLIKE, on_post=True, now=NOW).minute_threshold == 0


def test_the_velocity_threshold_sits_below_the_default_likes_budget() -> None:
    """A new account must trip the guard before its plain budget stops it, or the guard would never fire."""
    from services.engagement.abuse_settings import AbuseSettings

    assert POLICY.new_account_likes_per_minute < AbuseSettings().engagement_likes_per_min
