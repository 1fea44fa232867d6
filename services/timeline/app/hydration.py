"""Hydrating a page: each post with its author as shown to the reader (app.author_cache) and its engagement
counts."""

from __future__ import annotations

from dataclasses import dataclass

from services.timeline.app.author_cache import CachedAuthors
from services.timeline.app.ports import Engagement
from services.timeline.domain.feed import NO_STATS, Author, FeedItem, Post, PostStats


@dataclass(kw_only=True)
class Hydrator:
    authors: CachedAuthors
    engagement: Engagement

    async def items(
        self, viewer: int, relationship_version: str, page: list[Post], stats: dict[int, PostStats] | None = None
    ) -> list[FeedItem]:
        """`relationship_version`: the viewer's, as this read found it (the viewer's own follows show at once).
        `stats`: the page's counts when already read (ranking reads them); otherwise they are asked here, one call
        per page: the engagement service shows a viewer's own likes, comments and shares on the next call, and this
        process has no sign of them to tell when a kept copy would be stale for the viewer."""
        if not page:
            return []
        # One after the other: authors are nearly always in the local cache (no call), and two tasks for a
        # concurrent wait cost more than that common case.
        authors = await self.authors.shown_to(viewer, relationship_version, sorted({p.author_id for p in page}))
        counts = stats if stats is not None else await self.engagement.stats(viewer, [p.id for p in page])
        return [
            FeedItem(p, authors.get(p.author_id) or Author(id=p.author_id), counts.get(p.id, NO_STATS)) for p in page
        ]
