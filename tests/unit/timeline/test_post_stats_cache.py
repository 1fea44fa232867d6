"""app.post_stats_cache: which pages are answered from what this process kept and which ask the engagement service
(a model of it: each post's likers, answered as BatchGetPostStats would)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.timeline.app.background import Background
from services.timeline.app.post_stats_cache import CachedPostStats
from services.timeline.domain.feed import PostStats

BOUND = 2.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class EngagementModel:
    """Likers per post; `hidden` likes count for their author alone (a shadow-banned user's)."""

    def __init__(self) -> None:
        self.likers: dict[int, set[int]] = {}
        self.hidden: dict[int, set[int]] = {}
        self.asked: list[tuple[int, list[int]]] = []

    async def stats(self, viewer: int, post_ids: Sequence[int]) -> dict[int, PostStats]:
        self.asked.append((viewer, list(post_ids)))
        answer = {}
        for p in post_ids:
            likers = self.likers.get(p, set())
            own_hidden = viewer in self.hidden.get(p, set())
            answer[p] = PostStats(like_count=len(likers) + own_hidden, liked_by_me=viewer in likers or own_hidden)
        return answer


def make(clock: Clock, model: EngagementModel, bound: float = BOUND) -> CachedPostStats:
    return CachedPostStats(
        engagement=model, background=Background(), posts=100, readers=100, max_staleness_seconds=bound, clock=clock
    )


def run(cache: CachedPostStats, reader: int, version: str | None, posts: list[int]) -> dict[int, PostStats]:
    return asyncio.run(cache.shown_to(reader, version, posts))


def test_a_reader_known_here_is_answered_without_a_call_within_the_bound() -> None:
    clock, model = Clock(), EngagementModel()
    model.likers = {1: {7}, 2: set()}
    cache = make(clock, model)
    first = run(cache, 7, "v1", [1, 2])
    assert first[1] == PostStats(like_count=1, liked_by_me=True)
    calls = len(model.asked)
    clock.now += BOUND / 3
    assert run(cache, 7, "v1", [1, 2]) == first
    assert len(model.asked) == calls
    clock.now += BOUND
    run(cache, 7, "v1", [1, 2])
    assert len(model.asked) > calls, "past the bound the counts are asked for again"


def test_the_readers_own_like_shows_on_the_next_read() -> None:
    clock, model = Clock(), EngagementModel()
    model.likers = {1: {3}}
    cache = make(clock, model)
    assert run(cache, 7, "v1", [1])[1] == PostStats(like_count=1, liked_by_me=False)
    model.likers[1].add(7)  # reader 7 likes post 1: the engagement service replaces 7's version
    clock.now += 0.1
    assert run(cache, 7, "v2", [1])[1] == PostStats(like_count=2, liked_by_me=True)


def test_counts_are_shared_and_a_post_nobody_likes_needs_no_call_for_a_new_reader() -> None:
    clock, model = Clock(), EngagementModel()
    model.likers = {1: set(), 2: {5}}
    cache = make(clock, model)
    run(cache, 7, "", [1, 2])
    model.asked.clear()
    clock.now += 0.1
    answer = run(cache, 8, "", [1, 2])
    assert answer == {1: PostStats(), 2: PostStats(like_count=1)}
    assert model.asked == [(8, [2])], "only whether reader 8 likes post 2 is unknown"


def test_a_version_first_seen_now_takes_no_count_asked_before() -> None:
    clock, model = Clock(), EngagementModel()
    model.likers = {1: set()}
    cache = make(clock, model)
    run(cache, 7, "", [1])
    model.likers[1].add(8)  # reader 8 liked post 1 a moment ago; this process never saw reader 8
    clock.now += 0.1
    assert run(cache, 8, "v9", [1])[1] == PostStats(like_count=1, liked_by_me=True)


def test_a_shadow_banned_readers_counts_are_theirs_alone() -> None:
    clock, model = Clock(), EngagementModel()
    model.hidden = {1: {7}}
    cache = make(clock, model)
    assert run(cache, 7, "h1", [1])[1] == PostStats(like_count=1, liked_by_me=True)
    clock.now += 0.1
    assert run(cache, 8, "", [1])[1] == PostStats(like_count=0, liked_by_me=False)
    model.asked.clear()
    assert run(cache, 7, "h1", [1])[1] == PostStats(like_count=1, liked_by_me=True)
    assert model.asked == [], "kept for reader 7"


def test_an_unknown_version_or_a_zero_bound_always_asks() -> None:
    clock, model = Clock(), EngagementModel()
    cache = make(clock, model)
    run(cache, 7, None, [1])
    run(cache, 7, None, [1])
    assert len(model.asked) == 2
    uncached = make(clock, model, bound=0)
    run(uncached, 7, "v1", [1])
    run(uncached, 7, "v1", [1])
    assert len(model.asked) == 4


def test_counts_for_scoring_are_everyones_reused_within_their_age_and_not_noted_as_shown() -> None:
    clock, model = Clock(), EngagementModel()
    model.likers = {1: {7}, 2: {7, 8}, 3: set()}
    model.hidden = {3: {9}}
    cache = make(clock, model)
    counts = asyncio.run(cache.counts([1, 2, 3], 30.0))
    assert {p: s.like_count for p, s in counts.items()} == {1: 1, 2: 2, 3: 0}
    assert not any(s.liked_by_me for s in counts.values())
    assert model.asked == [(0, [1, 2, 3])], "one call, as nobody in particular"
    model.likers[1].add(8)
    clock.now += 10
    assert asyncio.run(cache.counts([1, 2, 4], 30.0))[1].like_count == 1, "within the age: the kept count"
    assert model.asked[-1] == (0, [4])
    clock.now += 25
    assert asyncio.run(cache.counts([1], 30.0))[1].like_count == 2, "past the age: asked again"
    assert cache._recent.due(lambda p: 0.0, clock.now) == [], "scoring notes nothing as shown"
