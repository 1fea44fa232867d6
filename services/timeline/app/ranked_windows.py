"""Ranked first pages kept for reuse. A viewer who reads the first page of a ranked feed again while its window is
still the same gets the order the ranking service gave that window, for up to `seconds`: no filtering of the whole
window, no counts for it, no ScorePosts, no new ranking session (the kept one still holds the rest of the order).
The window is "the same" when the candidates read (before filtering), the deleted posts among them and the
viewer's relationship version are: a new, deleted or unfollowed post, or any change of whom the viewer follows or
blocks, scores the window again. Only live counts and features would differ, and neither changes a ranking much
within a couple of minutes; a refresh with nothing new keeps its order rather than reshuffling (the counts shown
are live either way: the page is hydrated on every read). Kept per process: a replica that has not seen the
viewer scores."""

from __future__ import annotations

from collections.abc import Sequence, Set
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
    window_low: int
    """The lowest id of the window: the next pages continue below it once the session is used up."""
    more: bool
    """Whether posts exist below the window."""


def window_identity(candidate_ids: Sequence[int], deleted: Set[int], relationship_version: str) -> str:
    """What a window was made of: its candidates in order before filtering, the deleted posts among them and the
    viewer's relationship version (what the filter decided by). In-process only (never stored outside), so the
    tuple's hash will do."""
    made_of = (tuple(candidate_ids), frozenset(deleted), relationship_version)
    return format(hash(made_of) & 0xFFFF_FFFF_FFFF_FFFF, "x")


class RankedWindows:
    def __init__(self, *, size: int, seconds: float):
        self._kept: LruCache[int, RankedWindow] | None = (
            LruCache(size, seconds, name="timeline.ranked_windows") if seconds > 0 else None
        )

    @property
    def enabled(self) -> bool:
        return self._kept is not None

    def get(self, viewer: int, identity: str, limit: int) -> RankedWindow | None:
        """The viewer's kept page for a window of this `identity` (window_identity) cut for pages of `limit`."""
        if self._kept is None:
            return None
        kept = self._kept.get(viewer, identity)
        return kept if kept is not None and kept.limit == limit else None

    def put(self, viewer: int, identity: str, window: RankedWindow) -> None:
        if self._kept is not None:
            self._kept.put(viewer, window, identity)
