"""Filtering candidates: the live posts among them that the reader's feed may show."""

from __future__ import annotations

from dataclasses import dataclass

from services.timeline.app.peer_caches import CachedPosts, CheckedIds
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.feed import Post


@dataclass(kw_only=True)
class VisibilityFilter:
    posts: CachedPosts

    async def visible(
        self, viewer: int, plan: ReadPlan, ids: list[int], tombstones: CheckedIds | None = None
    ) -> list[Post]:
        """The posts among `ids`, in order, that are not deleted (`tombstones`: what this read already knows of
        their deletion) and that the viewer may see in its feed."""
        in_feed = plan.followees.in_feed  # decided once per author and visibility, and remembered
        return [p for p in await self.posts.live(ids, tombstones) if in_feed(viewer, p.author_id, p.visibility)]
