"""Ranked pages (`mode=ranked` with a ranking service): the first page scores a window of the newest visible posts
(read with the reader's state, counts from the post-stats cache when recent) and keeps the unserved rest of its
order in a ranking session; the same window read again soon reuses that order (app.ranked_windows). The next pages
serve the session's order, then continue chronologically below the window. A ranking failure serves the first
page chronologically, marked degraded."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from services.timeline.app.chronological_feed import ChronologicalFeed
from services.timeline.app.feed_candidates import CandidateCollector, HomeWindow
from services.timeline.app.feed_upkeep import FeedUpkeep
from services.timeline.app.hydration import Hydrator
from services.timeline.app.metrics import RANKED_WINDOWS, RANKING_FALLBACKS, RANKING_LATENCY
from services.timeline.app.ports import IdLists, Ranker, RankingUnavailable
from services.timeline.app.post_stats_cache import CachedPostStats
from services.timeline.app.ranked_windows import RankedWindow, RankedWindows, window_identity
from services.timeline.app.visibility_filter import VisibilityFilter
from services.timeline.domain.cursor import FeedCursor
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.feed import FeedPage, Post
from services.timeline.domain.merge import read_size
from services.timeline.domain.paging import (
    HomeWindowSize,
    after_ranked_first_page,
    cut_page,
    cut_ranked,
    ranked_by,
    ranked_window,
    session_tag,
)


@dataclass(kw_only=True)
class RankedFeed:
    id_lists: IdLists
    candidates: CandidateCollector
    visibility: VisibilityFilter
    hydrator: Hydrator
    chronological: ChronologicalFeed
    upkeep: FeedUpkeep
    counts: CachedPostStats
    ranker: Ranker
    windows: RankedWindows
    window_size: int = 200
    session_seconds: float = 900.0
    counts_max_age_seconds: float = 30.0
    """How old the counts a window is scored with may be."""

    @property
    def enabled(self) -> bool:
        return self.ranker.enabled

    def home_window(self, limit: int) -> HomeWindowSize:
        """What a ranked first page reads of the home timeline with the reader's state."""
        return ranked_window(max(self.window_size, limit))

    async def first_page(self, viewer: int, plan: ReadPlan, limit: int, home: HomeWindow | None = None) -> FeedPage:
        """`home`: the home timeline as read with the reader's state (home_window's size), if it was."""
        window_size = max(self.window_size, limit)
        merged = await self.candidates.merged(viewer, plan, None, window_size + 1, home)
        identity = ""
        if self.windows.enabled and plan.followees.version:  # an unknown version: what the filter decided may change
            deleted = home.cached.deleted if home is not None and home.cached is not None else None
            identity = window_identity(merged.ids, deleted or frozenset(), plan.followees.version)
            kept = self.windows.get(viewer, identity, limit)
            if kept is not None and (page := await self._reused(viewer, plan, kept, home)) is not None:
                return page
        collected = await self.candidates.collect(viewer, plan, None, window_size + 1, merged, window=home)
        window = collected.posts[:window_size]
        more = len(collected.posts) > window_size
        if not window:
            return FeedPage()
        stats = await self.counts.counts([p.id for p in window], self.counts_max_age_seconds)
        started = time.perf_counter()
        try:
            ranking = await self.ranker.score(viewer, window, stats)
        except RankingUnavailable as exc:
            RANKING_FALLBACKS.labels(str(exc) or "error").inc()
            return await self.chronological.page_of(viewer, plan, collected, limit, degraded=True)
        finally:
            RANKING_LATENCY.observe(time.perf_counter() - started)
        RANKED_WINDOWS.labels("scored").inc()
        ranked = cut_ranked(window, ranking.scores, limit)
        session: str | None = None
        if ranked.unserved:
            session = secrets.token_hex(8)
            tag = session_tag(ranking.model_version, ranking.experiment)
            await self.id_lists.put_ids(f"rk:{viewer}:{session}", ranked.unserved, tag, self.session_seconds)
        score_of = dict(zip((p.id for p in window), ranking.scores, strict=True))
        page_ids = tuple(p.id for p in ranked.page)
        kept = RankedWindow(
            limit=limit,
            page_ids=page_ids,
            page_scores=tuple(score_of[i] for i in page_ids),
            session=session,
            model_version=ranking.model_version,
            experiment=ranking.experiment,
            window_low=window[-1].id,
            more=more,
        )
        if identity:
            self.windows.put(viewer, identity, kept)
        return await self._page(viewer, plan, kept, ranked.page)

    async def _reused(
        self, viewer: int, plan: ReadPlan, kept: RankedWindow, home: HomeWindow | None
    ) -> FeedPage | None:
        """The kept page, if each of its posts is still one the viewer may see (checked live: what made the window
        is unchanged, but a post's own visibility may not be); None when one is not (the window is scored again)."""
        tombstones = home.checked() if home is not None else None
        page = await self.visibility.visible(viewer, plan, list(kept.page_ids), tombstones)
        if len(page) != len(kept.page_ids):
            return None
        RANKED_WINDOWS.labels("reused").inc()
        return await self._page(viewer, plan, kept, page)

    async def _page(self, viewer: int, plan: ReadPlan, kept: RankedWindow, page: list[Post]) -> FeedPage:
        """A ranked first page of `page`, in the kept order, hydrated with its counts as the viewer sees them."""
        return FeedPage(
            items=await self.hydrator.items(viewer, plan, page),
            next_cursor=after_ranked_first_page(kept.session, kept.window_low, kept.more),
            model_version=kept.model_version,
            experiment=kept.experiment,
            ranked_items=len(page),
            scores=kept.page_scores,
        )

    async def next_page(self, viewer: int, plan: ReadPlan, cursor: FeedCursor, limit: int) -> FeedPage:
        """The rest of a ranked window in ranked order, then chronologically below the window. An expired session
        continues below the window (what it had not served yet is skipped: ranked feeds are not exhaustive)."""
        found = await self.id_lists.get_ids(f"rk:{viewer}:{cursor.session}")
        unserved: list[int] = []
        model_version = experiment = ""
        if found is None:
            RANKING_FALLBACKS.labels("session_expired").inc()
        else:
            unserved = found[0][cursor.offset :]
            model_version, experiment = ranked_by(found[1])
        page, consumed = await self._in_ranked_order(viewer, plan, unserved, limit)
        ranked_items = len(page)
        next_cursor: FeedCursor | None = None
        if unserved[consumed:] and cursor.session is not None:
            next_cursor = FeedCursor(
                session=cursor.session, offset=cursor.offset + consumed, window_low=cursor.window_low
            )
        elif cursor.window_low is not None and len(page) >= limit:
            next_cursor = FeedCursor(before=cursor.window_low)
        elif cursor.window_low is not None:
            # The window is used up: fill the page chronologically below it.
            need = limit - len(page)
            collected = await self.candidates.collect(viewer, plan, cursor.window_low, need + 1, ahead=limit)
            below = cut_page(collected.posts, need)
            if below.next_before is not None:
                self.upkeep.warm_next_page(viewer, plan, below.next_before, collected, limit)
            page += below.posts
            next_cursor = below.next_cursor
        return FeedPage(
            items=await self.hydrator.items(viewer, plan, page),
            next_cursor=next_cursor,
            model_version=model_version,
            experiment=experiment,
            ranked_items=ranked_items,
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
