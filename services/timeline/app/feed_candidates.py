"""Collecting a page's posts: candidates merged from the streams a plan names (the home timeline, pulled authors,
posts in flight), newest first below the cursor, or kept warm for the page by the page before (app.feed_upkeep),
checked through the visibility filter, round after round until the page is full or the streams end."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from services.timeline.app.peer_caches import CheckedIds
from services.timeline.app.ports import CachedSlice
from services.timeline.app.streams import StreamReader
from services.timeline.app.visibility_filter import VisibilityFilter
from services.timeline.app.warmed_candidates import WarmedCandidates
from services.timeline.domain.delivery import ReadPlan
from services.timeline.domain.feed import Post
from services.timeline.domain.merge import MergedCandidates, extra_slice, merge_slices, read_size


@dataclass(frozen=True)
class HomeWindow:
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
class Collected:
    posts: list[Post]
    exhausted: bool
    """Nothing exists below what was read."""
    unchecked: list[int] = field(default_factory=list)
    """Candidates read (ahead) but not checked, below every post found: with the posts found beyond a page, the next
    page's first candidates."""


@dataclass(kw_only=True)
class CandidateCollector:
    streams: StreamReader
    visibility: VisibilityFilter
    warmed: WarmedCandidates

    async def merged(
        self, viewer: int, plan: ReadPlan, before: int | None, count: int, window: HomeWindow | None = None
    ) -> MergedCandidates:
        """The `count` newest candidates below `before` of every stream the plan names (`window`: the home
        timeline's, if already read for this very position and count)."""
        if window is not None and window.before == before and window.count == count:
            home_read = self.streams.home_from(window.cached, viewer, before, count)
        else:
            home_read = self.streams.home(viewer, before, count)
        extra = [extra_slice(plan.in_flight, before, count)] if plan.in_flight else []
        if not plan.pulls:
            return merge_slices([await home_read, *extra], before, count)
        home, pulled = await asyncio.gather(home_read, self.streams.pulled(plan.pulls, before, count))
        return merge_slices([home, *pulled, *extra], before, count)

    async def collect(
        self,
        viewer: int,
        plan: ReadPlan,
        before: int | None,
        wanted: int,
        first: MergedCandidates | None = None,
        *,
        ahead: int = 0,
        window: HomeWindow | None = None,
    ) -> Collected:
        """At least `wanted` posts the viewer may see, newest first below `before`, or all there are. `first`: the
        candidates to start from (kept by the page before). A read from the streams takes `ahead` more candidates
        than it checks: the next page's, in the same round trip."""
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
                    candidates, first = first, None
                else:
                    count = read_size(wanted - len(found)) + ahead
                    candidates = await self.merged(viewer, plan, position, count, window)
                    window = None  # used by the first round only
                if not candidates.ids:
                    exhausted = True
                    break
                unchecked, exhausted = list(candidates.ids), candidates.exhausted
            # With the tombstones already known, a short page costs another local round only: check no more than
            # needed. Otherwise take some slack for items filtered out, to save a round trip.
            size = wanted - len(found) if tombstones is not None else read_size(wanted - len(found))
            batch, unchecked = unchecked[:size], unchecked[size:]
            found.extend(await self.visibility.visible(viewer, plan, batch, tombstones))
            position = batch[-1]
        return Collected(found, exhausted and not unchecked, unchecked)

    @property
    def warming(self) -> bool:
        """Whether next pages' candidates are kept warm at all."""
        return self.warmed.enabled

    def warmed_for(self, viewer: int, plan: ReadPlan, before: int | None) -> MergedCandidates | None:
        """The candidates kept for the viewer's page below `before` by the page before, if still valid."""
        return self.warmed.for_page(viewer, plan, before)

    def keep_warm(self, viewer: int, plan: ReadPlan, before: int, candidates: MergedCandidates) -> None:
        """Keeps the first candidates of the viewer's page below `before`."""
        self.warmed.keep(viewer, plan, before, candidates)
