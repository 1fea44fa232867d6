"""Planning a feed read: the reader's state (recorded as a read), its followees, and the plan made of them
(domain.delivery.plan_read) with the posts in flight it merges and the upkeep its sources need.

A first page reads its home window with the reader's state, in the same round trip; its followees come from the
in-process copy while the graph's relationship version, read with that state, is unchanged (app.peer_caches)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from services.common.local_cache import LruCache
from services.timeline.app.feed_candidates import HomeWindow
from services.timeline.app.metrics import POSTS_IN_FLIGHT, PULLED_AUTHORS
from services.timeline.app.peer_caches import CachedFollowees
from services.timeline.app.ports import ReaderState, ReadStart
from services.timeline.domain.delivery import (
    Followees,
    ReadPlan,
    SourceUpkeep,
    in_flight_for,
    plan_read,
    source_upkeep,
)
from services.timeline.domain.paging import HomeWindowSize, first_page_window


@dataclass(frozen=True)
class PlannedRead:
    plan: ReadPlan
    upkeep: SourceUpkeep
    generation: int
    """The reader's sources generation, read with its state (backfills record sources only if it still holds)."""
    window: HomeWindow | None = None
    """A first page's home window, read with the reader's state."""


@dataclass(frozen=True)
class _PlanMade:
    """A plan and what it was made of: the cache hands out the very same objects while they hold, and then the plan
    is too."""

    followees: Followees
    sources: Mapping[int, int]
    pull_only_sources: frozenset[int]
    plan: ReadPlan
    upkeep: SourceUpkeep


class ReadPlanner:
    def __init__(self, *, read_start: ReadStart, followees: CachedFollowees, plan_entries: int = 10_000):
        self.read_start = read_start
        self.followees = followees
        self._plans: LruCache[int, _PlanMade] = LruCache(plan_entries, float("inf"), name="timeline.read_plans")

    async def plan_first_page(self, viewer: int, limit: int, size: HomeWindowSize | None = None) -> PlannedRead:
        """The commonest read: its home window is known before the plan, and read with the reader's state. `size`:
        how much of the home timeline to read (default: a chronological first page's)."""
        size = size or first_page_window(limit)
        touch, cached = await self.read_start.touch_and_read_home(viewer, None, size.count, size.checked)
        return await self._planned(viewer, touch, HomeWindow(None, size.count, cached))

    async def plan(self, viewer: int) -> PlannedRead:
        return await self._planned(viewer, await self.read_start.touch(viewer))

    async def _planned(self, viewer: int, touch: ReaderState, window: HomeWindow | None = None) -> PlannedRead:
        followees = await self.followees.get(viewer, touch.relationship_version)
        made = self._plans.get(viewer)
        if (
            made is None
            or made.followees is not followees
            or made.sources is not touch.sources
            or made.pull_only_sources is not touch.pull_only_sources
        ):
            plan = plan_read(viewer, followees, touch.sources, touch.pull_only_sources & followees.pushed)
            made = _PlanMade(followees, touch.sources, touch.pull_only_sources, plan, source_upkeep(plan))
            self._plans.put(viewer, made)
        if made.plan.engagement_version != touch.engagement_version:  # kept: it changes with the viewer's engagement
            made = replace(made, plan=replace(made.plan, engagement_version=touch.engagement_version))
            self._plans.put(viewer, made)
        plan = made.plan
        PULLED_AUTHORS.observe(len(plan.pulls))
        POSTS_IN_FLIGHT.set(len(touch.in_flight))
        if touch.in_flight and (in_flight := in_flight_for(followees, touch.in_flight, viewer)):
            plan = replace(plan, in_flight=in_flight)  # this read's only: the plan kept above holds none
        return PlannedRead(plan, made.upkeep, touch.generation, window)
