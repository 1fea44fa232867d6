"""What the anti-abuse use cases need from the outside world, as Protocols; adapters/ implements them.

`ShadowBanLookup` is the port the engagement use cases use on every write ("is this user shadow-banned") and on
reads for the viewer; the others serve the guard and the admin use cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.engagement.domain.admission import Attempt, Verdict
from services.engagement.domain.shadow_bans import BanState, ShadowBan


class CounterUnavailable(Exception):
    """The budget counter could not answer (its store is down)."""


class BudgetCounter(Protocol):
    """Per-user budget windows and the burst guard's state, checked and counted atomically."""

    async def admit(self, attempt: Attempt) -> Verdict:
        """Checks the attempt's budgets and burst signals and, if admitted, counts it; one round trip. Raises
        CounterUnavailable."""
        ...

    async def rate_limited_until(self, user_id: int, now: float) -> float | None:
        """Unix seconds until which the burst guard limits the user harder; None when it does not."""
        ...

    async def clear_rate_limit(self, user_id: int) -> bool:
        """Lifts the harder limit; False when there was none."""
        ...


class ShadowBanLookup(Protocol):
    """A user's shadow-ban state, cached: asked on every engagement write and for the viewer of a read."""

    async def state(self, user_id: int) -> BanState: ...


class ShadowBanCache(Protocol):
    async def remember(self, user_id: int, state: BanState) -> None:
        """Replaces the cached state after a committed change, so every process sees it on its next lookup."""
        ...


class ShadowBanStore(Protocol):
    """The durable record of bans (PostgreSQL): one row per user ever banned, the latest ban."""

    async def ban(self, user_id: int, reason: str, operator: str) -> tuple[ShadowBan, bool]:
        """Bans the user; returns the ban in force and whether this call made it (False: already banned)."""
        ...

    async def lift(self, user_id: int, operator: str) -> ShadowBan | None:
        """Lifts the active ban; returns it lifted, or None when there was none to lift."""
        ...

    async def get(self, user_id: int) -> ShadowBan | None: ...

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, ShadowBan]:
        """The latest ban of each of these users who was ever banned; the others are absent."""
        ...

    async def active_page(self, after: tuple[datetime, int] | None, limit: int) -> list[ShadowBan]:
        """Active bans, newest first, after the (banned_at, user_id) position of the last one served."""
        ...
