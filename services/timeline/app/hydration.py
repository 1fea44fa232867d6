"""Hydrating a page: each post with its author as shown to the reader (app.author_cache) and its engagement
counts (app.post_stats_cache)."""

from __future__ import annotations

from dataclasses import dataclass

from services.timeline.app.author_cache import CachedAuthors
from services.timeline.app.post_stats_cache import CachedPostStats
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.feed import NO_STATS, Author, FeedItem, Post, PostStats


@dataclass(kw_only=True)
class Hydrator:
    authors: CachedAuthors
    post_stats: CachedPostStats

    async def items(
        self, viewer: int, plan: ReadPlan, page: list[Post], stats: dict[int, PostStats] | None = None
    ) -> list[FeedItem]:
        """`plan`: this read's, with the viewer's relationship and engagement versions as the read found them (the
        viewer's own follows, likes, comments and shares show at once). `stats`: the page's counts when already
        read (ranking reads them)."""
        if not page:
            return []
        # One after the other: authors and counts are nearly always in the local caches (no call), and two tasks
        # for a concurrent wait cost more than that common case.
        authors = await self.authors.shown_to(viewer, plan.followees.version, sorted({p.author_id for p in page}))
        if stats is None:
            stats = await self.post_stats.shown_to(viewer, plan.engagement_version, [p.id for p in page])
        return [
            FeedItem(p, authors.get(p.author_id) or Author(id=p.author_id), stats.get(p.id, NO_STATS)) for p in page
        ]
