"""Feed items' engagement counts and likedByMe (the engagement service's BatchGetPostStats), kept in this process.

A post's counts are the same for every reader (but see shadow bans below), so they are kept once per post and shown
while asked for at most `max_staleness_seconds` (the bound) ago; whether a reader likes a post is kept per reader.
Both follow the reader's engagement version (services.common.engagement_version, read with the reader's state at
the start of every read): the engagement service replaces it after each like, unlike, comment or share of the
reader's, so when it changes this process drops what it knew of the reader's likes and shows that reader no count
asked for before it first saw the new version. The reader's own changes therefore show on their next read, and
everyone else's within the bound.

A post nobody likes (a like count of 0, asked for after the reader's version was first seen) is not liked by the
reader either: no call is needed to know it. While reads come, a background ask every quarter of the bound asks
again, in one call, for the counts past half the bound of the posts shown lately, so pages of readers already known
here seldom wait for the engagement service.

A reader who is or was shadow-banned sees counts that include their own hidden engagement; their version says so,
and their answers are kept for them alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from services.common.engagement_version import sees_own_hidden
from services.common.local_cache import LruCache
from services.timeline.app.background import Background
from services.timeline.app.metrics import LOCAL_CACHE
from services.timeline.app.ports import Engagement
from services.timeline.app.recently_shown import RecentlyShown
from services.timeline.domain.feed import PostStats

_NEVER = float("-inf")
# A reader's kept answers beyond this many posts are dropped together (a reader paging far back is rare).
_PER_READER_MAX = 1000


@dataclass(frozen=True, slots=True)
class _Counted:
    stats: PostStats
    """liked_by_me False: the counts everyone sees."""
    asked_at: float


@dataclass(slots=True)
class _Reader:
    version: str
    seen_at: float
    """When this process first saw `version`: counts asked for earlier may miss the reader's own last change."""
    liked: dict[int, bool] = field(default_factory=dict)
    own: dict[int, _Counted] = field(default_factory=dict)
    """A shadow-banned reader's answers, kept for them alone."""


@dataclass(kw_only=True)
class CachedPostStats:
    engagement: Engagement
    background: Background
    posts: int
    readers: int
    max_staleness_seconds: float
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._counts: LruCache[int, _Counted] = LruCache(
            self.posts, float("inf"), self.clock, name="timeline.post_stats"
        )
        self._readers: LruCache[int, _Reader] = LruCache(
            self.readers, float("inf"), self.clock, name="timeline.post_stats_readers"
        )
        self._recent = RecentlyShown(self.max_staleness_seconds)

    async def shown_to(self, reader: int, version: str | None, post_ids: Sequence[int]) -> dict[int, PostStats]:
        """The posts' stats as `reader` sees them (posts the engagement service does not answer for are absent).
        `version`: the reader's engagement version as this read found it; None when unknown (nothing kept is
        shown, and nothing learnt is kept)."""
        if not post_ids:
            return {}
        if version is None or reader <= 0 or self.max_staleness_seconds <= 0:
            return await self.engagement.stats(reader, post_ids)
        now = self.clock()
        kept = self._reader(reader, version, now)
        oldest = max(now - self.max_staleness_seconds, kept.seen_at)
        if sees_own_hidden(version):
            return await self._own(reader, kept, oldest, post_ids)
        found, missing = self._kept_for(kept, oldest, post_ids)
        LOCAL_CACHE.labels("post_stats", "hit").inc(len(found))
        if missing:
            LOCAL_CACHE.labels("post_stats", "miss").inc(len(missing))
            asked_at = self.clock()
            answer = await self.engagement.stats(reader, missing)
            if len(kept.liked) + len(answer) > _PER_READER_MAX:
                kept.liked.clear()
            for post_id, stats in answer.items():
                self._keep(post_id, _Counted(replace(stats, liked_by_me=False), asked_at))
                kept.liked[post_id] = stats.liked_by_me
            found.update(answer)
        if self._recent.note(post_ids, now):
            self.background.spawn("post-stats", self._refresh)
        return found

    async def counts(self, post_ids: Sequence[int], max_age_seconds: float) -> dict[int, PostStats]:
        """The counts everyone sees (liked_by_me False) of `post_ids`, from what was asked for at most
        `max_age_seconds` ago, the rest asked for in one call and kept. For scoring a ranked window: a ranking
        changes little with counts a few seconds older, and the posts are not noted as shown (no page shows most
        of them)."""
        oldest = self.clock() - max_age_seconds
        counted, _ = self._counts.get_many(post_ids)
        found = {p: e.stats for p in post_ids if (e := counted.get(p)) is not None and e.asked_at >= oldest}
        missing = [p for p in post_ids if p not in found]
        LOCAL_CACHE.labels("post_counts", "hit").inc(len(found))
        if missing:
            LOCAL_CACHE.labels("post_counts", "miss").inc(len(missing))
            asked_at = self.clock()
            for post_id, stats in (await self.engagement.stats(0, missing)).items():
                self._keep(post_id, _Counted(stats, asked_at))
                found[post_id] = stats
        return found

    def _kept_for(
        self, kept: _Reader, oldest: float, post_ids: Sequence[int]
    ) -> tuple[dict[int, PostStats], list[int]]:
        """What is kept and current for the reader, and the posts to ask for."""
        counted, _ = self._counts.get_many(post_ids)
        found: dict[int, PostStats] = {}
        missing: list[int] = []
        for post_id in post_ids:
            entry = counted.get(post_id)
            if entry is None or entry.asked_at < oldest:
                missing.append(post_id)
                continue
            liked = kept.liked.get(post_id)
            if liked is None and entry.stats.like_count > 0:
                missing.append(post_id)
            else:
                found[post_id] = replace(entry.stats, liked_by_me=True) if liked else entry.stats
        return found, missing

    def _reader(self, reader: int, version: str, now: float) -> _Reader:
        kept = self._readers.get(reader)
        if kept is None or kept.version != version:
            # No version at all is a reader who never engaged: no change of theirs can be missing from a count.
            first_seen = _NEVER if kept is None and version == "" else now
            kept = _Reader(version, first_seen)
            self._readers.put(reader, kept)
        return kept

    async def _own(self, reader: int, kept: _Reader, oldest: float, post_ids: Sequence[int]) -> dict[int, PostStats]:
        found = {p: e.stats for p in post_ids if (e := kept.own.get(p)) is not None and e.asked_at >= oldest}
        missing = [p for p in post_ids if p not in found]
        if missing:
            asked_at = self.clock()
            answer = await self.engagement.stats(reader, missing)
            if len(kept.own) + len(answer) > _PER_READER_MAX:
                kept.own.clear()
            kept.own.update((p, _Counted(s, asked_at)) for p, s in answer.items())
            found.update(answer)
        return found

    async def _refresh(self) -> None:
        """Asks again, in one call, for the counts of the posts shown lately that are past half the bound."""
        now = self.clock()
        due = self._recent.due(lambda p: kept.asked_at if (kept := self._counts.get(p)) else None, now)
        if not due:
            return
        LOCAL_CACHE.labels("post_stats", "refreshed").inc(len(due))
        for post_id, stats in (await self.engagement.stats(0, sorted(due))).items():
            self._keep(post_id, _Counted(stats, now))

    def _keep(self, post_id: int, counted: _Counted) -> None:
        """Keeps `counted` unless counts asked for later landed meanwhile."""
        kept = self._counts.get(post_id)
        if kept is None or kept.asked_at <= counted.asked_at:
            self._counts.put(post_id, counted)
