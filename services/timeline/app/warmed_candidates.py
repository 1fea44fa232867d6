"""The next pages' first candidates, kept in this process by the page before (app.feed_upkeep, through
app.feed_candidates): a next page served here starts from them without reading the streams; one served by another
replica reads as usual."""

from __future__ import annotations

from services.common.local_cache import LruCache
from services.timeline.app.metrics import PREFETCH
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.merge import MergedCandidates
from services.timeline.domain.paging import authors_fingerprint


class WarmedCandidates:
    def __init__(self, *, seconds: float, entries: int = 50_000):
        self.enabled = seconds > 0
        self._kept: LruCache[tuple[int, int], MergedCandidates] = LruCache(
            entries, seconds, name="timeline.warmed_candidates"
        )

    def keep(self, viewer: int, plan: ReadPlan, before: int, candidates: MergedCandidates) -> None:
        """The candidates of the viewer's page below `before`, for a read that merges the plan's authors."""
        self._kept.put((viewer, before), candidates, authors_fingerprint(plan.authors))

    def for_page(self, viewer: int, plan: ReadPlan, before: int | None) -> MergedCandidates | None:
        """The candidates kept for this page, if the reader still follows exactly the same authors."""
        if before is None or not self.enabled:
            return None
        found = self._kept.get((viewer, before), authors_fingerprint(plan.authors))
        if found is not None and not found.ids and not found.exhausted:
            found = None  # nothing kept: an empty list would read as the end of the feed
        PREFETCH.labels("hit" if found is not None else "miss").inc()
        return found
