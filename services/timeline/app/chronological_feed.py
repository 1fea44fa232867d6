"""A chronological page: collect the posts (starting from the candidates warmed by the page before, if any), cut
the page, hydrate it, and leave the next page's candidates warm."""

from __future__ import annotations

from dataclasses import dataclass

from services.timeline.app.feed_candidates import CandidateCollector, Collected, HomeWindow
from services.timeline.app.feed_upkeep import FeedUpkeep
from services.timeline.app.hydration import Hydrator
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.feed import FeedPage, PostStats
from services.timeline.domain.paging import cut_page


@dataclass(kw_only=True)
class ChronologicalFeed:
    candidates: CandidateCollector
    hydrator: Hydrator
    upkeep: FeedUpkeep

    async def page(
        self, viewer: int, plan: ReadPlan, before: int | None, limit: int, *, window: HomeWindow | None = None
    ) -> FeedPage:
        warmed = self.candidates.warmed_for(viewer, plan, before)
        collected = await self.candidates.collect(viewer, plan, before, limit + 1, warmed, ahead=limit, window=window)
        return await self.page_of(viewer, plan, collected, limit)

    async def page_of(
        self,
        viewer: int,
        plan: ReadPlan,
        collected: Collected,
        limit: int,
        *,
        degraded: bool = False,
        stats: dict[int, PostStats] | None = None,
    ) -> FeedPage:
        """The page made of posts already collected (`stats`: their counts, when already read)."""
        cut = cut_page(collected.posts, limit)
        items = await self.hydrator.items(viewer, plan, cut.posts, stats)
        if cut.next_before is not None:
            self.upkeep.warm_next_page(viewer, plan, cut.next_before, collected, limit)
        return FeedPage(items=items, next_cursor=cut.next_cursor, degraded=degraded)
