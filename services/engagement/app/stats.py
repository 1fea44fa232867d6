"""BatchGetPostStats: counts and likedByMe for a page of posts in one call. Cached posts are answered by the
counter cache (which holds every acknowledged change: read-your-writes); the rest exactly from PostgreSQL, and
queued to be cached."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.engagement.app.ports import CachedStats, CacheUnavailable, CounterCache, Database, EngagementStore
from services.engagement.domain.model import PostStats, check_batch


@dataclass
class Stats:
    db: Database
    store: EngagementStore
    cache: CounterCache
    want_cached: Callable[[Sequence[int]], None]

    async def batch(self, viewer_id: int, post_ids: list[int]) -> list[PostStats]:
        wanted = list(dict.fromkeys(check_batch(post_ids)))
        if not wanted:
            return []
        try:
            found: dict[int, CachedStats] = await self.cache.stats(viewer_id, wanted)
        except CacheUnavailable:
            found = {}
        missing = [p for p in wanted if p not in found]
        if missing:
            async with self.db.reads() as conn:
                counts = await self.store.exact_counts(conn, missing)
                liked = await self.store.liked_among(conn, viewer_id, missing) if viewer_id > 0 else set()
            found.update({p: CachedStats(counts[p], p in liked) for p in missing})
            self.want_cached(missing)
        return [PostStats(p, found[p].counts, found[p].liked_by_viewer) for p in post_ids]
