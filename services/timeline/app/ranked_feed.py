"""Ranked pages (`mode=ranked` with a ranking service): the first page scores a window of the newest visible posts
and keeps the unserved rest of its order in a ranking session; the next pages serve that order, then continue
chronologically below the window. A ranking failure serves the first page chronologically, marked degraded."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from services.timeline.app.chronological_feed import ChronologicalFeed
from services.timeline.app.feed_candidates import CandidateCollector
from services.timeline.app.feed_upkeep import FeedUpkeep
from services.timeline.app.hydration import Hydrator
from services.timeline.app.metrics import RANKING_FALLBACKS, RANKING_LATENCY
from services.timeline.app.ports import Engagement, IdLists, Ranker, RankingUnavailable
from services.timeline.app.visibility_filter import VisibilityFilter
from services.timeline.domain.cursor import FeedCursor
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.feed import NO_STATS, FeedPage, Post
from services.timeline.domain.merge import read_size
from services.timeline.domain.paging import after_ranked_first_page, cut_page, cut_ranked


@dataclass(kw_only=True)
class RankedFeed:
    id_lists: IdLists
    candidates: CandidateCollector
    visibility: VisibilityFilter
    hydrator: Hydrator
    chronological: ChronologicalFeed
    upkeep: FeedUpkeep
    engagement: Engagement
    ranker: Ranker
    window_size: int = 200
    session_seconds: float = 900.0

    @property
    def enabled(self) -> bool:
        return self.ranker.enabled

    async def first_page(self, viewer: int, plan: ReadPlan, limit: int) -> FeedPage:
        window_size = max(self.window_size, limit)
        collected = await self.candidates.collect(viewer, plan, None, window_size + 1)
        window = collected.posts[:window_size]
        more = len(collected.posts) > window_size
        if not window:
            return FeedPage()
        stats = await self.engagement.stats(viewer, [p.id for p in window])
        started = time.perf_counter()
        try:
            scores = await self.ranker.score(viewer, window, stats)
        except RankingUnavailable as exc:
            RANKING_FALLBACKS.labels(str(exc) or "error").inc()
            return await self.chronological.page_of(viewer, plan, collected, limit, degraded=True, stats=stats)
        finally:
            RANKING_LATENCY.observe(time.perf_counter() - started)
        ranked = cut_ranked(window, scores, limit)
        session: str | None = None
        if ranked.unserved:
            session = secrets.token_hex(8)
            await self.id_lists.put_ids(f"rk:{viewer}:{session}", ranked.unserved, "", self.session_seconds)
        next_cursor = after_ranked_first_page(session, window[-1].id, more)
        page_stats = {p.id: stats.get(p.id, NO_STATS) for p in ranked.page}
        return FeedPage(
            items=await self.hydrator.items(viewer, plan, ranked.page, page_stats),
            next_cursor=next_cursor,
        )

    async def next_page(self, viewer: int, plan: ReadPlan, cursor: FeedCursor, limit: int) -> FeedPage:
        """The rest of a ranked window in ranked order, then chronologically below the window. An expired session
        continues below the window (what it had not served yet is skipped: ranked feeds are not exhaustive)."""
        found = await self.id_lists.get_ids(f"rk:{viewer}:{cursor.session}")
        unserved: list[int] = []
        if found is None:
            RANKING_FALLBACKS.labels("session_expired").inc()
        else:
            unserved = found[0][cursor.offset :]
        page, consumed = await self._in_ranked_order(viewer, plan, unserved, limit)
        if unserved[consumed:] and cursor.session is not None:
            items = await self.hydrator.items(viewer, plan, page)
            return FeedPage(
                items=items,
                next_cursor=FeedCursor(
                    session=cursor.session, offset=cursor.offset + consumed, window_low=cursor.window_low
                ),
            )
        if cursor.window_low is None:
            return FeedPage(items=await self.hydrator.items(viewer, plan, page))
        if len(page) >= limit:
            return FeedPage(
                items=await self.hydrator.items(viewer, plan, page), next_cursor=FeedCursor(before=cursor.window_low)
            )
        # The window is used up: fill the page chronologically below it.
        need = limit - len(page)
        collected = await self.candidates.collect(viewer, plan, cursor.window_low, need + 1, ahead=limit)
        below = cut_page(collected.posts, need)
        if below.next_before is not None:
            self.upkeep.warm_next_page(viewer, plan, below.next_before, collected, limit)
        return FeedPage(
            items=await self.hydrator.items(viewer, plan, page + below.posts), next_cursor=below.next_cursor
        )

    async def _in_ranked_order(self, viewer: int, plan: ReadPlan, ids: list[int], limit: int) -> tuple[list[Post], int]:
        """Up to `limit` posts of `ids` the viewer may see, in that order, and how many of `ids` that used up."""
        page: list[Post] = []
        consumed = 0
        while ids[consumed:] and len(page) < limit:
            batch = ids[consumed : consumed + read_size(limit - len(page))]
            visible = await self.visibility.visible(viewer, plan, batch)
            taken = visible[: limit - len(page)]
            page.extend(taken)
            if len(taken) < len(visible):  # page full inside this batch: resume right after the last item taken
                consumed += batch.index(taken[-1].id) + 1
            else:
                consumed += len(batch)
        return page, consumed
