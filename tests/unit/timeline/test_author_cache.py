"""The rule of the authors a feed page shows (app.author_cache): counts at most the bound old for everyone, never
from before the reader's own last relationship change, as old as the call that asked for them; profiles kept
longer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.common.errors import Unavailable
from services.common.polling import wait_until
from services.timeline.app.author_cache import CachedAuthors
from services.timeline.app.background import Background
from services.timeline.domain.feed import Author, FollowCounts

BOUND = 2.0
PROFILE_AGE = 60.0
READER, OTHER_READER = 1, 2
AUTHOR, SECOND_AUTHOR = 10, 11


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Profiles:
    def __init__(self) -> None:
        self.asked: list[list[int]] = []

    async def batch_get(self, user_ids: Sequence[int]) -> dict[int, Author]:
        self.asked.append(list(user_ids))
        return {u: Author(id=u, handle=f"u{u}") for u in user_ids}


class Graph:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.followers: dict[int, int] = {}
        self.asked: list[list[int]] = []
        self.answer_takes = 0.0  # seconds the clock moves while the call is out
        self.down = False
        self.hold: asyncio.Event | None = None  # calls made while set answer when it is released
        self._held: list[asyncio.Event] = []

    async def user_counts(self, user_ids: Sequence[int]) -> dict[int, FollowCounts]:
        self.asked.append(list(user_ids))
        answer = {u: FollowCounts(self.followers.get(u, 0), 1) for u in user_ids}  # as of the question
        if self.hold is not None:
            held = self.hold
            self._held.append(held)
            await held.wait()
        self.clock.now += self.answer_takes
        if self.down:
            raise Unavailable("the graph service is unavailable; retry later", reason="GRAPH_UNAVAILABLE")
        return answer

    def release(self) -> None:
        for held in self._held:
            held.set()


def make() -> tuple[CachedAuthors, Clock, Profiles, Graph]:
    clock = Clock()
    profiles, graph = Profiles(), Graph(clock)
    authors = CachedAuthors(
        users=profiles,
        counts=graph,
        background=Background(),
        size=100,
        readers=100,
        profile_max_age_seconds=PROFILE_AGE,
        counts_max_staleness_seconds=BOUND,
        clock=clock,
    )
    return authors, clock, profiles, graph


async def followers_shown(authors: CachedAuthors, reader: int, version: str, author: int = AUTHOR) -> int:
    return (await authors.shown_to(reader, version, [author]))[author].follower_count


async def test_counts_of_authors_shown_lately_are_asked_for_again_in_the_background_past_half_the_bound() -> None:
    authors, clock, profiles, graph = make()
    graph.followers[AUTHOR] = 5
    await authors.shown_to(OTHER_READER, "w1", [])  # a reader this process has seen before
    shown = await authors.shown_to(READER, "v1", [AUTHOR, SECOND_AUTHOR])
    assert (shown[AUTHOR].handle, shown[AUTHOR].follower_count, shown[AUTHOR].following_count) == (f"u{AUTHOR}", 5, 1)
    graph.followers[AUTHOR] = 6  # someone else followed the author
    for _ in range(2):  # two quarters of the bound: the background asks find nothing due
        clock.now += BOUND / 4
        assert await followers_shown(authors, OTHER_READER, "w1") == 5
        await authors.background.drain()
    assert graph.asked == [[AUTHOR, SECOND_AUTHOR]]
    clock.now += BOUND / 4
    page = await authors.shown_to(OTHER_READER, "w1", [AUTHOR])
    assert page[AUTHOR].follower_count == 5  # served as kept, without waiting for the graph
    second = (await authors.shown_to(READER, "v1", [SECOND_AUTHOR]))[SECOND_AUTHOR]
    await authors.background.drain()
    assert graph.asked[1:] == [[AUTHOR, SECOND_AUTHOR]]  # every author due, in one call
    page = await authors.shown_to(OTHER_READER, "w1", [AUTHOR, SECOND_AUTHOR])
    assert page[AUTHOR].follower_count == 6
    assert page[SECOND_AUTHOR] is second  # unchanged: the same object, so pages encoded with it are reused
    assert len(graph.asked) == 2 and profiles.asked == [[AUTHOR, SECOND_AUTHOR]]  # profiles are kept longer


async def test_an_author_not_shown_for_a_while_is_no_longer_kept_fresh() -> None:
    authors, clock, _, graph = make()
    await authors.shown_to(READER, "v1", [AUTHOR])
    for _ in range(int(30 * BOUND / 0.5)):  # 30 bounds of reads showing only the second author
        clock.now += 0.5
        await authors.shown_to(READER, "v1", [SECOND_AUTHOR])
        await authors.background.drain()
    assert sum(AUTHOR in ids for ids in graph.asked) > 3  # kept fresh while shown lately...
    assert all(AUTHOR not in ids for ids in graph.asked[-10:])  # ...and not once shown long ago


async def test_counts_past_the_bound_are_asked_for_before_the_page_is_served_in_one_call() -> None:
    authors, clock, profiles, graph = make()
    await authors.shown_to(READER, "v1", [AUTHOR, SECOND_AUTHOR])
    graph.followers[AUTHOR] = 1
    clock.now += BOUND + 0.01
    page = await authors.shown_to(READER, "v1", [AUTHOR, SECOND_AUTHOR])
    assert page[AUTHOR].follower_count == 1
    assert graph.asked == [[AUTHOR, SECOND_AUTHOR], [AUTHOR, SECOND_AUTHOR]]
    assert profiles.asked == [[AUTHOR, SECOND_AUTHOR]]


async def test_the_readers_own_relationship_change_bypasses_the_counts_kept() -> None:
    authors, clock, _, graph = make()
    graph.followers[AUTHOR] = 0
    assert await followers_shown(authors, READER, "v1") == 0
    assert await followers_shown(authors, OTHER_READER, "w1") == 0
    clock.now += 0.5
    graph.followers[AUTHOR] = 1  # READER followed the author: the graph replaced READER's version
    assert await followers_shown(authors, READER, "v2") == 1  # within the bound, yet asked again
    assert len(graph.asked) == 2
    clock.now += 0.5
    assert await followers_shown(authors, READER, "v2") == 1  # asked after the change was seen: reused
    assert await followers_shown(authors, OTHER_READER, "w1") == 1  # and shown to others too
    assert len(graph.asked) == 2


async def test_an_answer_that_lands_late_does_not_replace_counts_asked_for_after_it() -> None:
    authors, clock, _, graph = make()
    graph.hold = asyncio.Event()
    other_read = asyncio.create_task(followers_shown(authors, OTHER_READER, "w1"))  # asked now, answered later
    await wait_until(lambda: bool(graph.asked), what="the other reader's call out")
    graph.hold = None
    graph.followers[AUTHOR] = 1  # READER follows the author
    clock.now += 0.1
    assert await followers_shown(authors, READER, "v1") == 1
    graph.release()
    assert await other_read == 0  # that page shows the answer as of its question...
    clock.now += 0.1
    assert await followers_shown(authors, READER, "v1") == 1  # ...which is not kept over the later one
    assert await followers_shown(authors, OTHER_READER, "w1") == 1
    assert len(graph.asked) == 2


async def test_an_unknown_relationship_version_asks_every_time() -> None:
    authors, _, _, graph = make()
    await followers_shown(authors, READER, "")
    await followers_shown(authors, READER, "")
    assert len(graph.asked) == 2


async def test_a_count_is_as_old_as_the_call_that_asked_for_it() -> None:
    authors, clock, _, graph = make()
    graph.answer_takes = BOUND - 0.5  # a slow answer
    await followers_shown(authors, READER, "v1")
    graph.answer_takes = 0.0
    clock.now += 0.6  # 2.1 s after the question, 0.6 s after the answer
    await followers_shown(authors, READER, "v1")
    assert len(graph.asked) == 2


async def test_profiles_are_asked_again_past_their_age_with_the_counts() -> None:
    authors, clock, profiles, graph = make()
    await followers_shown(authors, READER, "v1")
    await authors.background.drain()
    clock.now += PROFILE_AGE + 1
    await followers_shown(authors, READER, "v1")
    assert profiles.asked == [[AUTHOR], [AUTHOR]] and graph.asked == [[AUTHOR], [AUTHOR]]


async def test_a_failing_graph_shows_the_counts_last_known_and_keeps_asking() -> None:
    authors, clock, _, graph = make()
    graph.followers[AUTHOR] = 3
    await followers_shown(authors, READER, "v1")
    graph.down = True
    clock.now += BOUND + 1
    assert await followers_shown(authors, READER, "v1") == 3
    assert await followers_shown(authors, READER, "v1") == 3
    graph.down = False
    graph.followers[AUTHOR] = 4
    assert await followers_shown(authors, READER, "v1") == 4
    assert len(graph.asked) == 4
