"""BatchGetPostStats: counts and likedByMe for a page of posts in one call. Cached posts are answered by the
counter cache (which holds every acknowledged change: read-your-writes); the rest exactly from PostgreSQL, and
queued to be cached.

Those counts are what everyone sees. A viewer who was ever shadow-banned also sees their own hidden engagement
(services/engagement/domain/shadow_bans.py), added from PostgreSQL; the viewer's ban state is looked up beside the
cache read, so other viewers pay no extra round trip in time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.engagement.app.abuse_ports import ShadowBanLookup
from services.engagement.app.ports import CachedStats, CacheUnavailable, CounterCache, Database, EngagementStore
from services.engagement.domain.model import PostStats, check_batch
from services.engagement.domain.shadow_bans import BanState, counts_seen_by, has_hidden_engagement


@dataclass
class Stats:
    db: Database
    store: EngagementStore
    cache: CounterCache
    want_cached: Callable[[Sequence[int]], None]
    bans: ShadowBanLookup

    async def batch(self, viewer_id: int, post_ids: list[int]) -> list[PostStats]:
        wanted = list(dict.fromkeys(check_batch(post_ids)))
        if not wanted:
            return []
        found, viewer_state = await asyncio.gather(self._cached(viewer_id, wanted), self._state(viewer_id))
        missing = [p for p in wanted if p not in found]
        if missing or has_hidden_engagement(viewer_state):
            async with self.db.reads() as conn:
                if missing:
                    counts = await self.store.exact_counts(conn, missing)
                    liked = await self.store.liked_among(conn, viewer_id, missing) if viewer_id > 0 else set()
                    found.update({p: CachedStats(counts[p], p in liked) for p in missing})
                if has_hidden_engagement(viewer_state):
                    for post_id, own in (await self.store.hidden_engagement(conn, viewer_id, wanted)).items():
                        public = found[post_id]
                        found[post_id] = CachedStats(
                            counts_seen_by(public.counts, own), public.liked_by_viewer or own.likes > 0
                        )
            if missing:
                self.want_cached(missing)
        return [PostStats(p, found[p].counts, found[p].liked_by_viewer) for p in post_ids]

    async def _cached(self, viewer_id: int, post_ids: list[int]) -> dict[int, CachedStats]:
        try:
            return await self.cache.stats(viewer_id, post_ids)
        except CacheUnavailable:
            return {}

    async def _state(self, viewer_id: int) -> BanState:
        return await self.bans.state(viewer_id) if viewer_id > 0 else BanState.NEVER
