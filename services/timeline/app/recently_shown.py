"""What a page showed lately (authors, posts), for the caches that keep counts fresh in the background
(app.author_cache, app.post_stats_cache): the ids shown in the last 5 to 10 staleness bounds, a background ask at most
every quarter of the bound, and which ids it asks for: those whose counts are past half the bound, up to a thousand
(one call's worth; a call's fixed cost, both gRPC ends, dwarfs its cost per id, so keeping an id shown every few
seconds fresh costs less than asking for it with the pages that find it past the bound)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

_NEVER = float("-inf")
_RECENT_BOUNDS = 5
REFRESH_MAX = 1000


class RecentlyShown:
    def __init__(self, bound_seconds: float):
        self.bound = bound_seconds
        self._lately: set[int] = set()
        self._before: set[int] = set()
        self._window_ends = _NEVER
        self._next_refresh = _NEVER

    def note(self, ids: Iterable[int], now: float) -> bool:
        """Records ids a page showed; True when a background refresh is due now (then not again for a quarter of
        the bound)."""
        self._lately.update(ids)
        if now < self._next_refresh:
            return False
        self._next_refresh = now + self.bound / 4
        return True

    def due(self, asked_at: Callable[[int], float | None], now: float) -> list[int]:
        """The ids shown lately whose counts were asked for more than half the bound ago (`asked_at`: None for an id
        no longer kept), up to REFRESH_MAX."""
        if now >= self._window_ends:
            self._before, self._lately = self._lately, set()
            self._window_ends = now + self.bound * _RECENT_BOUNDS
        due_before = now - self.bound / 2
        due: list[int] = []
        for shown in self._lately | self._before:
            at = asked_at(shown)
            if at is not None and at < due_before:
                due.append(shown)
                if len(due) == REFRESH_MAX:
                    break
        return due
