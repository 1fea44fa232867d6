"""Hydrating a page: each post with its author's profile and its engagement counts."""

from __future__ import annotations

from dataclasses import dataclass

from services.timeline.app.ports import Engagement, Users
from services.timeline.domain.feed import NO_STATS, Author, FeedItem, Post, PostStats


@dataclass(kw_only=True)
class Hydrator:
    users: Users
    engagement: Engagement

    async def items(self, viewer: int, page: list[Post], stats: dict[int, PostStats] | None = None) -> list[FeedItem]:
        """`stats`: the page's counts when already read (ranking reads them); otherwise they are asked here."""
        if not page:
            return []
        # One after the other: authors are nearly always in the local cache (no call), and two tasks for a
        # concurrent wait cost more than that common case.
        authors = await self.users.batch_get(sorted({p.author_id for p in page}))
        counts = stats if stats is not None else await self.engagement.stats(viewer, [p.id for p in page])
        return [
            FeedItem(p, authors.get(p.author_id) or Author(id=p.author_id), counts.get(p.id, NO_STATS)) for p in page
        ]
