"""The anti-abuse settings of the engagement service (stack/defaults.env, FEEDMESH_ENGAGEMENT_*): the per-user
budgets, the burst guard's switch and the shadow-ban cache. `EngagementSettings` extends this class."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.settings import ServerSettings, SettingsError, env_name
from services.engagement.domain.budgets import BudgetPolicy
from services.engagement.domain.burst import BurstPolicy

_BUDGETS = (
    "engagement_likes_per_min",
    "engagement_likes_per_day",
    "engagement_comments_per_min",
    "engagement_comments_per_day",
    "engagement_shares_per_min",
    "engagement_shares_per_day",
)


@dataclass(frozen=True)
class AbuseSettings(ServerSettings):
    engagement_likes_per_min: int = 60
    engagement_likes_per_day: int = 1000
    engagement_comments_per_min: int = 10
    engagement_comments_per_day: int = 300
    engagement_shares_per_min: int = 10
    engagement_shares_per_day: int = 200
    # on|off: benchmarks and load tests turn it off (their users like far faster than people do).
    engagement_burst_guard: bool = True
    # How long a user's shadow-ban state is cached in Redis when nothing replaces it.
    engagement_ban_cache_ttl_seconds: int = 600

    def validate(self) -> None:
        super().validate()
        for name in (*_BUDGETS, "engagement_ban_cache_ttl_seconds"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{env_name(name)} must be > 0, got {getattr(self, name)}")
        for action in ("likes", "comments", "shares"):
            per_min, per_day = f"engagement_{action}_per_min", f"engagement_{action}_per_day"
            if getattr(self, per_min) > getattr(self, per_day):
                raise SettingsError(f"{env_name(per_min)} must not exceed {env_name(per_day)}")

    def budget_policy(self) -> BudgetPolicy:
        return BudgetPolicy(
            likes_per_minute=self.engagement_likes_per_min,
            likes_per_day=self.engagement_likes_per_day,
            comments_per_minute=self.engagement_comments_per_min,
            comments_per_day=self.engagement_comments_per_day,
            shares_per_minute=self.engagement_shares_per_min,
            shares_per_day=self.engagement_shares_per_day,
        )

    def burst_policy(self) -> BurstPolicy | None:
        """The burst guard's policy; None when FEEDMESH_ENGAGEMENT_BURST_GUARD=off."""
        return BurstPolicy() if self.engagement_burst_guard else None
