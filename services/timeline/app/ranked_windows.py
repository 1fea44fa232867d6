"""Ranked first pages kept for reuse. A viewer who reads the first page of a ranked feed again while its window of
candidates is still exactly the same posts gets the order the ranking service gave that window, for up to
`seconds`: no counts for the whole window, no ScorePosts, no new ranking session (the kept one still holds the rest
of the order). Only live counts and features would differ, and neither changes a ranking much within seconds;
any new, deleted or unfollowed post changes the window and the window is scored again. Kept per process: a
replica that has not seen the viewer scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.common.local_cache import LruCache


@dataclass(frozen=True, slots=True)
class RankedWindow:
    limit: int  # the page size it was cut for: the session holds the order after that many
    page_ids: tuple[int, ...]
    page_scores: tuple[float, ...]
    session: str | None
    model_version: str
    experiment: str


def fingerprint(window_ids: Sequence[int]) -> str:
    """Which posts a window held, in order. In-process only (never stored outside), so the tuple's hash will do."""
    return format(hash(tuple(window_ids)) & 0xFFFF_FFFF_FFFF_FFFF, "x")


class RankedWindows:
    def __init__(self, *, size: int, seconds: float):
        self._kept: LruCache[int, RankedWindow] | None = LruCache(size, seconds) if seconds > 0 else None

    def get(self, viewer: int, window_ids: Sequence[int], limit: int) -> RankedWindow | None:
        if self._kept is None:
            return None
        kept = self._kept.get(viewer, fingerprint(window_ids))
        return kept if kept is not None and kept.limit == limit else None

    def put(self, viewer: int, window_ids: Sequence[int], window: RankedWindow) -> None:
        if self._kept is not None:
            self._kept.put(viewer, window, fingerprint(window_ids))
