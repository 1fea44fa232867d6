"""GetFeed: a read flows one way: plan (app.read_planner) -> collect candidates and filter them
(app.feed_candidates, app.visibility_filter) -> hydrate (app.hydration) -> page (app.chronological_feed,
app.ranked_feed; the cuts are domain.paging's). The upkeep it finds (source backfills and forgets, warming the next
page) is scheduled on app.feed_upkeep, never awaited.

Peer answers come from app.peer_caches: in the common case a page costs one or two Redis round trips and no peer
call (a first page reads the reader's state, with the graph's relationship version, its home window and which of
the window's posts are deleted, all together; a next page starts from the candidates warmed by the page before, then
asks which of them are deleted); misses cost one ListFolloweeIds, one BatchGetPosts per round of candidates (a
second round only when filtering left the page short) and one BatchGetUsers. Visibility is decided from the
followee list (Followees.in_feed, the graph's own rule). Counts: one BatchGetPostStats for the posts whose counts
are older than the staleness bound or than the reader's own last engagement, or whose likedByMe this process does
not know (app.post_stats_cache), and one BatchGetUserCounts for the authors whose counts are older than the bound or
than the reader's own last follow (app.author_cache).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from services.timeline.app.chronological_feed import ChronologicalFeed
from services.timeline.app.feed_upkeep import FeedUpkeep
from services.timeline.app.impressions import Impressions
from services.timeline.app.metrics import FEED_LATENCY
from services.timeline.app.ranked_feed import RankedFeed
from services.timeline.app.read_planner import ReadPlanner
from services.timeline.domain.cursor import FeedCursor, FeedMode
from services.timeline.domain.feed import FeedPage


@dataclass(kw_only=True)
class GetFeed:
    planner: ReadPlanner
    upkeep: FeedUpkeep
    chronological: ChronologicalFeed
    ranked: RankedFeed
    impressions: Impressions

    async def __call__(self, viewer: int, cursor: FeedCursor, limit: int, mode: FeedMode) -> FeedPage:
        started = time.perf_counter()
        try:
            page = await self._page(viewer, cursor, limit, mode)
        finally:
            FEED_LATENCY.labels(mode.value).observe(time.perf_counter() - started)
        if page.next_cursor is not None:  # the next page's items are numbered on from this page's
            page = replace(page, next_cursor=replace(page.next_cursor, served=cursor.served + len(page.items)))
        self.impressions.page_served(viewer, page, cursor.served)
        return page

    async def _page(self, viewer: int, cursor: FeedCursor, limit: int, mode: FeedMode) -> FeedPage:
        ranked = mode is FeedMode.RANKED and self.ranked.enabled
        if cursor.is_first_page and ranked:
            read = await self.planner.plan_first_page(viewer, limit, self.ranked.home_window(limit))
        elif cursor.is_first_page:
            read = await self.planner.plan_first_page(viewer, limit)
        else:
            read = await self.planner.plan(viewer)
        self.upkeep.maintain_sources(viewer, read)
        if cursor.session is not None:
            return await self.ranked.next_page(viewer, read.plan, cursor, limit)
        if ranked and cursor.is_first_page:
            return await self.ranked.first_page(viewer, read.plan, limit, read.window)
        return await self.chronological.page(viewer, read.plan, cursor.before, limit, window=read.window)
