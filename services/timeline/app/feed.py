"""GetFeed: merge the reader's home timeline with the authors it must pull and the posts still being pushed to it,
hydrate in batches, filter what the reader may no longer see, and (ranked mode) let the ranking service order the
first window.

Peer answers come from app.peer_caches: in the common case a page costs one or two Redis round trips and no peer
call (a first page reads the reader's state, with the graph's relationship version, its home window and which of
the window's posts are deleted, all together; a next page starts from the candidates warmed by the page before, then
asks which of them are deleted);
misses cost one ListFolloweeIds, one BatchGetPosts per round of candidates (a second round only when filtering left
the page short) and one BatchGetUsers. Visibility is decided here from the followee list (Followees.in_feed, the
graph's own rule). One BatchGetPostStats per page once the engagement service exists.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from services.timeline.app.background import Background
from services.timeline.app.local_cache import LruCache
from services.timeline.app.materialize import Materializer
from services.timeline.app.metrics import (
    FEED_LATENCY,
    POSTS_IN_FLIGHT,
    PREFETCH,
    PULLED_AUTHORS,
    RANKING_FALLBACKS,
    RANKING_LATENCY,
)
from services.timeline.app.peer_caches import CachedFollowees, CachedPosts, CheckedIds
from services.timeline.app.ports import (
    CachedSlice,
    Engagement,
    IdLists,
    Locks,
    Ranker,
    RankingUnavailable,
    Readers,
    ReaderState,
    ReadStart,
    Users,
)
from services.timeline.app.streams import StreamReader
from services.timeline.domain.cursor import FeedCursor, FeedMode
from services.timeline.domain.delivery import Followees, ReadPlan, in_flight_for, plan_read
from services.timeline.domain.feed import NO_STATS, Author, FeedItem, FeedPage, Post, PostStats, order_by_scores
from services.timeline.domain.merge import MergedCandidates, extra_slice, merge_slices, read_size

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedTuning:
    rank_candidates: int = 200
    rank_session_seconds: float = 900.0
    prefetch_seconds: float = 30.0
    prefetch_entries: int = 50_000
    rebuild_lock_seconds: float = 60.0
    plan_entries: int = 10_000


@dataclass(frozen=True)
class _HomeWindow:
    """The reader's home timeline as the cache answered for one window, read before the plan was made."""

    before: int | None
    count: int
    cached: CachedSlice | None

    def checked(self) -> CheckedIds | None:
        """The window's posts whose deletion was asked along with it."""
        if self.cached is None or self.cached.deleted is None:
            return None
        return CheckedIds(frozenset(self.cached.ids[: self.cached.checked]), self.cached.deleted)


@dataclass
class _Collected:
    posts: list[Post]
    exhausted: bool
    """Nothing exists below what was read."""
    unchecked: list[int] = field(default_factory=list)
    """Candidates read (ahead) but not checked, below every post found: with the posts found beyond a page, the next
    page's first candidates."""


class FeedReader:
    def __init__(
        self,
        *,
        read_start: ReadStart,
        readers: Readers,
        locks: Locks,
        id_lists: IdLists,
        streams: StreamReader,
        materializer: Materializer,
        followees: CachedFollowees,
        posts: CachedPosts,
        users: Users,
        engagement: Engagement,
        ranker: Ranker,
        background: Background,
        tuning: FeedTuning,
    ):
        self.read_start = read_start
        self.readers = readers
        self.locks = locks
        self.id_lists = id_lists
        self.streams = streams
        self.materializer = materializer
        self.followees = followees
        self.posts = posts
        self.users = users
        self.engagement = engagement
        self.ranker = ranker
        self.background = background
        self.tuning = tuning
        self._prefetched: LruCache[tuple[int, int], MergedCandidates] = LruCache(
            tuning.prefetch_entries, tuning.prefetch_seconds
        )
        # reader -> (followees, sources, pull-only sources, the plan made of them): the cache hands out the very
        # same objects while they hold, and then the plan is too
        self._plans: LruCache[int, tuple[Followees, Mapping[int, int], frozenset[int], ReadPlan]] = LruCache(
            tuning.plan_entries, float("inf")
        )

    async def get_feed(self, viewer: int, cursor: FeedCursor, limit: int, mode: FeedMode) -> FeedPage:
        started = time.perf_counter()
        try:
            if cursor.is_first_page and not (mode is FeedMode.RANKED and self.ranker.enabled):
                # The commonest read: its home window is known before the plan, and is read with the reader's state.
                # Its deletions are asked for the candidates of this page (with slack for items filtered out), not
                # for those read ahead for the next page.
                checked = read_size(limit + 1)
                count = checked + limit
                touch, cached = await self.read_start.touch_and_read_home(viewer, None, count, checked)
                window = _HomeWindow(None, count, cached)
                plan = await self._plan(viewer, touch)
                return await self._chronological(viewer, plan, None, limit, window=window)
            plan = await self._plan(viewer, await self.read_start.touch(viewer))
            if cursor.session is not None:
                return await self._ranked_next(viewer, plan, cursor, limit)
            if mode is FeedMode.RANKED and cursor.is_first_page and self.ranker.enabled:
                return await self._ranked_first(viewer, plan, limit)
            return await self._chronological(viewer, plan, cursor.before, limit)
        finally:
            FEED_LATENCY.labels(mode.value).observe(time.perf_counter() - started)

    # --- planning ---------------------------------------------------------------------------------------------

    async def _plan(self, viewer: int, touch: ReaderState) -> ReadPlan:
        followees = await self.followees.get(viewer, touch.relationship_version)
        known = self._plans.get(viewer)
        if (
            known is not None
            and known[0] is followees
            and known[1] is touch.sources
            and known[2] is touch.pull_only_sources
        ):
            plan = known[3]
        else:
            plan = plan_read(viewer, followees, touch.sources, touch.pull_only_sources & followees.pushed)
            self._plans.put(viewer, (followees, touch.sources, touch.pull_only_sources, plan))
        PULLED_AUTHORS.observe(len(plan.pulls))
        POSTS_IN_FLIGHT.set(len(touch.in_flight))
        self._maintain(viewer, touch, plan, followees.celebrities)
        if touch.in_flight and (in_flight := in_flight_for(followees, touch.in_flight)):
            return replace(plan, in_flight=in_flight)  # this read's only: the plan kept above holds none
        return plan

    def _maintain(self, viewer: int, touch: ReaderState, plan: ReadPlan, celebrities: frozenset[int]) -> None:
        """Forget sources no longer followed; backfill followees not materialized yet (after a follow whose event
        is still on its way, a first read, or the return of an inactive reader), without making the read wait."""
        if plan.stale_sources:
            stale = sorted(plan.stale_sources)
            self.background.spawn(f"forget:{viewer}", lambda: self.readers.drop_sources(viewer, stale))
        missing = sorted(a for a in plan.unmaterialized if a not in celebrities)
        if missing:
            self.background.spawn(f"rebuild:{viewer}", lambda: self._rebuild(viewer, missing, touch.generation))

    async def _rebuild(self, viewer: int, authors: list[int], generation: int) -> None:
        lock = f"rebuild:{viewer}"
        if not await self.locks.try_lock(lock, self.tuning.rebuild_lock_seconds):
            return
        try:
            await self.materializer.backfill_many(viewer, authors, generation)
        finally:
            await self.locks.unlock(lock)

    # --- candidates -------------------------------------------------------------------------------------------

    async def _candidates(
        self, viewer: int, plan: ReadPlan, before: int | None, count: int, window: _HomeWindow | None = None
    ) -> MergedCandidates:
        if window is not None and window.before == before and window.count == count:
            home_read = self.streams.home_from(window.cached, viewer, before, count)
        else:
            home_read = self.streams.home(viewer, before, count)
        extra = [extra_slice(plan.in_flight, before, count)] if plan.in_flight else []
        if not plan.pulls:
            return merge_slices([await home_read, *extra], before, count)
        home, pulled = await asyncio.gather(home_read, self.streams.pulled(plan.pulls, before, count))
        return merge_slices([home, *pulled, *extra], before, count)

    async def _collect(
        self,
        viewer: int,
        plan: ReadPlan,
        before: int | None,
        wanted: int,
        first: MergedCandidates | None = None,
        *,
        ahead: int = 0,
        window: _HomeWindow | None = None,
    ) -> _Collected:
        """At least `wanted` posts the viewer may see, newest first below `before`, or all there are. A read from
        the streams takes `ahead` more candidates than it checks: the next page's, in the same round trip."""
        found: list[Post] = []
        position = before
        unchecked: list[int] = []
        exhausted = False
        tombstones = window.checked() if window is not None else None
        while len(found) < wanted:
            if not unchecked:
                if exhausted:
                    break
                if first is not None:
                    merged, first = first, None
                else:
                    count = read_size(wanted - len(found)) + ahead
                    merged = await self._candidates(viewer, plan, position, count, window)
                    window = None  # used by the first round only
                if not merged.ids:
                    exhausted = True
                    break
                unchecked, exhausted = list(merged.ids), merged.exhausted
            # With the tombstones already known, a short page costs another local round only: check no more than
            # needed. Otherwise take some slack for items filtered out, to save a round trip.
            size = wanted - len(found) if tombstones is not None else read_size(wanted - len(found))
            take, unchecked = unchecked[:size], unchecked[size:]
            found.extend(await self._visible(viewer, plan, take, tombstones))
            position = take[-1]
        return _Collected(found, exhausted and not unchecked, unchecked)

    async def _visible(
        self, viewer: int, plan: ReadPlan, ids: list[int], tombstones: CheckedIds | None = None
    ) -> list[Post]:
        in_feed = plan.followees.in_feed  # decided once per author and visibility, and remembered
        return [p for p in await self.posts.live(ids, tombstones) if in_feed(viewer, p.author_id, p.visibility)]

    # --- chronological ----------------------------------------------------------------------------------------

    async def _chronological(
        self,
        viewer: int,
        plan: ReadPlan,
        before: int | None,
        limit: int,
        *,
        degraded: bool = False,
        window: _HomeWindow | None = None,
    ) -> FeedPage:
        warmed = self._warmed(viewer, plan, before)
        got = await self._collect(viewer, plan, before, limit + 1, warmed, ahead=limit, window=window)
        return await self._page_from(viewer, plan, got, limit, degraded=degraded)

    async def _page_from(
        self,
        viewer: int,
        plan: ReadPlan,
        got: _Collected,
        limit: int,
        *,
        degraded: bool,
        stats: dict[int, PostStats] | None = None,
    ) -> FeedPage:
        page = got.posts[:limit]
        next_cursor = FeedCursor(before=page[-1].id) if len(got.posts) > limit else None
        items = await self._hydrate(viewer, page, stats)
        if next_cursor is not None and next_cursor.before is not None:
            self._keep_warm(viewer, plan, next_cursor.before, got, limit)
        return FeedPage(items=items, next_cursor=next_cursor, degraded=degraded)

    async def _hydrate(
        self, viewer: int, page: list[Post], stats: dict[int, PostStats] | None = None
    ) -> list[FeedItem]:
        if not page:
            return []
        # One after the other: authors are nearly always in the local cache (no call), and two tasks for a
        # concurrent wait cost more than that common case.
        authors = await self.users.batch_get(sorted({p.author_id for p in page}))
        counts = stats if stats is not None else await self.engagement.stats(viewer, [p.id for p in page])
        return [
            FeedItem(p, authors.get(p.author_id) or Author(id=p.author_id), counts.get(p.id, NO_STATS)) for p in page
        ]

    # --- warming the next page --------------------------------------------------------------------------------

    @staticmethod
    def _fingerprint(plan: ReadPlan) -> str:
        """Which authors the feed merged, to reuse warmed candidates only for the same set. In-process only (the
        warmed entries never leave this process), so the set's own hash will do."""
        return format(hash(plan.authors) & 0xFFFF_FFFF_FFFF_FFFF, "x")

    def _keep_warm(self, viewer: int, plan: ReadPlan, before: int, got: _Collected, limit: int) -> None:
        """Keeps the next page's candidates: the posts found beyond this page and the candidates read ahead (same
        round trip). If that is short of a page, more are read in the background. In this process only: a next page
        served by another replica reads as usual."""
        if self.tuning.prefetch_seconds <= 0:
            return
        ids = [p.id for p in got.posts if p.id < before] + got.unchecked
        fingerprint = self._fingerprint(plan)
        self._prefetched.put((viewer, before), MergedCandidates(ids, got.exhausted), fingerprint)
        PREFETCH.labels("kept").inc()
        if len(ids) > limit or got.exhausted:
            return

        async def top_up() -> None:
            merged = await self._candidates(viewer, plan, ids[-1] if ids else before, read_size(limit + 1 - len(ids)))
            self._prefetched.put((viewer, before), MergedCandidates(ids + merged.ids, merged.exhausted), fingerprint)
            PREFETCH.labels("topped_up").inc()

        self.background.spawn(f"warm:{viewer}:{before}", top_up)

    def _warmed(self, viewer: int, plan: ReadPlan, before: int | None) -> MergedCandidates | None:
        """The candidates kept for this page, if the reader still follows exactly the same authors."""
        if before is None or self.tuning.prefetch_seconds <= 0:
            return None
        found = self._prefetched.get((viewer, before), self._fingerprint(plan))
        if found is not None and not found.ids and not found.exhausted:
            found = None  # nothing kept: an empty list would read as the end of the feed
        PREFETCH.labels("hit" if found is not None else "miss").inc()
        return found

    # --- ranked -----------------------------------------------------------------------------------------------

    async def _ranked_first(self, viewer: int, plan: ReadPlan, limit: int) -> FeedPage:
        window_size = max(self.tuning.rank_candidates, limit)
        got = await self._collect(viewer, plan, None, window_size + 1)
        window = got.posts[:window_size]
        more = len(got.posts) > window_size
        if not window:
            return FeedPage()
        stats = await self.engagement.stats(viewer, [p.id for p in window])
        started = time.perf_counter()
        try:
            scores = await self.ranker.score(viewer, window, stats)
        except RankingUnavailable as exc:
            RANKING_FALLBACKS.labels(str(exc) or "error").inc()
            return await self._page_from(viewer, plan, got, limit, degraded=True, stats=stats)
        finally:
            RANKING_LATENCY.observe(time.perf_counter() - started)
        by_id = {p.id: p for p in window}
        order = order_by_scores([p.id for p in window], scores)
        page = [by_id[i] for i in order[:limit]]
        rest = order[limit:]
        low = window[-1].id
        next_cursor: FeedCursor | None = None
        if rest:
            session = secrets.token_hex(8)
            await self.id_lists.put_ids(f"rk:{viewer}:{session}", rest, "", self.tuning.rank_session_seconds)
            next_cursor = FeedCursor(session=session, offset=0, window_low=low if more else None)
        elif more:
            next_cursor = FeedCursor(before=low)
        items = await self._hydrate(viewer, page, {p.id: stats.get(p.id, NO_STATS) for p in page})
        return FeedPage(items=items, next_cursor=next_cursor)

    async def _ranked_next(self, viewer: int, plan: ReadPlan, cursor: FeedCursor, limit: int) -> FeedPage:
        """The rest of a ranked window in ranked order, then chronologically below the window. An expired session
        continues below the window (what it had not served yet is skipped: ranked feeds are not exhaustive)."""
        found = await self.id_lists.get_ids(f"rk:{viewer}:{cursor.session}")
        remaining: list[int] = []
        if found is None:
            RANKING_FALLBACKS.labels("session_expired").inc()
        else:
            remaining = found[0][cursor.offset :]
        page: list[Post] = []
        consumed = 0
        while remaining[consumed:] and len(page) < limit:
            batch = remaining[consumed : consumed + read_size(limit - len(page))]
            visible = await self._visible(viewer, plan, batch)
            taken = visible[: limit - len(page)]
            page.extend(taken)
            if len(taken) < len(visible):  # page full inside this batch: resume right after the last item taken
                consumed += batch.index(taken[-1].id) + 1
            else:
                consumed += len(batch)
        if remaining[consumed:] and cursor.session is not None:
            items = await self._hydrate(viewer, page)
            return FeedPage(
                items=items,
                next_cursor=FeedCursor(
                    session=cursor.session, offset=cursor.offset + consumed, window_low=cursor.window_low
                ),
            )
        if cursor.window_low is None:
            return FeedPage(items=await self._hydrate(viewer, page))
        if len(page) >= limit:
            return FeedPage(items=await self._hydrate(viewer, page), next_cursor=FeedCursor(before=cursor.window_low))
        # The window is used up: fill the page chronologically below it.
        need = limit - len(page)
        got = await self._collect(viewer, plan, cursor.window_low, need + 1, ahead=limit)
        served = got.posts[:need]
        next_cursor = FeedCursor(before=served[-1].id) if len(got.posts) > need else None
        if next_cursor is not None and next_cursor.before is not None:
            self._keep_warm(viewer, plan, next_cursor.before, got, limit)
        return FeedPage(items=await self._hydrate(viewer, page + served), next_cursor=next_cursor)
