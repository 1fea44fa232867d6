"""The upkeep a feed read leaves behind, scheduled on the process's Background and never awaited by the read:
forgetting sources no longer followed, backfilling followees not materialized yet (rebuilt from Cassandra), and
warming the next page's candidates."""

from __future__ import annotations

from dataclasses import dataclass

from services.timeline.app.background import Background
from services.timeline.app.feed_candidates import CandidateCollector, Collected
from services.timeline.app.materialize import Materializer
from services.timeline.app.metrics import PREFETCH
from services.timeline.app.ports import Locks, Readers
from services.timeline.app.read_planner import PlannedRead
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.merge import MergedCandidates, read_size
from services.timeline.domain.paging import next_page_candidates


@dataclass(kw_only=True)
class FeedUpkeep:
    readers: Readers
    locks: Locks
    materializer: Materializer
    candidates: CandidateCollector
    background: Background
    rebuild_lock_seconds: float = 60.0

    def maintain_sources(self, viewer: int, read: PlannedRead) -> None:
        """Forgets the sources no longer followed and backfills the followees not materialized yet."""
        stale, missing, generation = read.upkeep.forget, read.upkeep.backfill, read.generation
        if stale:
            self.background.spawn(f"forget:{viewer}", lambda: self.readers.drop_sources(viewer, stale))
        if missing:
            self.background.spawn(f"rebuild:{viewer}", lambda: self._rebuild(viewer, missing, generation))

    async def _rebuild(self, viewer: int, authors: list[int], generation: int) -> None:
        lock = f"rebuild:{viewer}"
        if not await self.locks.try_lock(lock, self.rebuild_lock_seconds):
            return
        try:
            await self.materializer.backfill_many(viewer, authors, generation)
        finally:
            await self.locks.unlock(lock)

    def warm_next_page(self, viewer: int, plan: ReadPlan, before: int, collected: Collected, limit: int) -> None:
        """Keeps the next page's candidates (below `before`): the posts found beyond this page and the candidates
        read ahead in the same round trip. If that is short of a page, more are read in the background."""
        if not self.candidates.warming:
            return
        ids = next_page_candidates(collected.posts, collected.unchecked, before)
        self.candidates.keep_warm(viewer, plan, before, MergedCandidates(ids, collected.exhausted))
        PREFETCH.labels("kept").inc()
        if len(ids) > limit or collected.exhausted:
            return

        async def top_up() -> None:
            more = await self.candidates.merged(
                viewer, plan, ids[-1] if ids else before, read_size(limit + 1 - len(ids))
            )
            self.candidates.keep_warm(viewer, plan, before, MergedCandidates(ids + more.ids, more.exhausted))
            PREFETCH.labels("topped_up").inc()

        self.background.spawn(f"warm:{viewer}:{before}", top_up)
