"""The anti-abuse settings: read from FEEDMESH_ENGAGEMENT_*, validated with the variable's name."""

from __future__ import annotations

import pytest

from services.common.settings import SettingsError, load_settings
from services.engagement.abuse_settings import AbuseSettings
from stack.settings import ENV_FILE, read_env_file


def test_the_stack_defaults_name_every_budget_and_the_guard() -> None:
    defaults = dict(read_env_file(ENV_FILE))
    settings = load_settings(AbuseSettings, {k: v for k, v in defaults.items() if k.startswith("FEEDMESH_ENGAGEMENT_")})
    assert settings.engagement_likes_per_min == int(defaults["FEEDMESH_ENGAGEMENT_LIKES_PER_MIN"])
    assert settings.engagement_comments_per_min == int(defaults["FEEDMESH_ENGAGEMENT_COMMENTS_PER_MIN"])
    assert settings.engagement_burst_guard is True
    policy = settings.budget_policy()
    assert (policy.likes_per_minute, policy.shares_per_day) == (
        settings.engagement_likes_per_min,
        settings.engagement_shares_per_day,
    )


def test_the_burst_guard_switches_off() -> None:
    settings = load_settings(AbuseSettings, {"FEEDMESH_ENGAGEMENT_BURST_GUARD": "off"})
    assert settings.burst_policy() is None
    assert load_settings(AbuseSettings, {"FEEDMESH_ENGAGEMENT_BURST_GUARD": "on"}).burst_policy() is not None


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"FEEDMESH_ENGAGEMENT_LIKES_PER_MIN": "0"}, "FEEDMESH_ENGAGEMENT_LIKES_PER_MIN"),
        ({"FEEDMESH_ENGAGEMENT_COMMENTS_PER_MIN": "many"}, "FEEDMESH_ENGAGEMENT_COMMENTS_PER_MIN"),
        ({"FEEDMESH_ENGAGEMENT_SHARES_PER_MIN": "500"}, "FEEDMESH_ENGAGEMENT_SHARES_PER_DAY"),
        ({"FEEDMESH_ENGAGEMENT_BURST_GUARD": "sometimes"}, "FEEDMESH_ENGAGEMENT_BURST_GUARD"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(AbuseSettings, environ)
