"""GetFeed on the in-memory fakes, checked against the contract rule: push, pull and the reader's own posts merged,
reads through past the Redis cap, follows, unfollows, filtering, ranking, and what a page costs."""

from __future__ import annotations

import random

import pytest

from services.common.visibility import Visibility
from services.timeline.app.ports import CachedSlice
from services.timeline.domain.cursor import FeedCursor, FeedMode
from tests.unit.timeline.fakes import FakeRanker
from tests.unit.timeline.timeline_rig import make_rig


async def test_push_pull_and_self_are_merged_newest_first() -> None:
    rig = make_rig(threshold=3)
    for fan in (10, 11, 12):
        await rig.follow(fan, 2)  # 2 becomes a celebrity
    await rig.follow(10, 3)
    await rig.feed(10, 3)  # the reader becomes active
    for author in (2, 3, 10, 3, 2, 10, 2):
        await rig.publish(author)
    got = await rig.feed(10, 3)
    assert got == rig.expected(10)
    assert len(got) == 7


async def test_pages_past_the_redis_cap_read_through_to_cassandra() -> None:
    rig = make_rig(home_max=10, threshold=100)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    await rig.background.drain()
    for _ in range(25):
        await rig.publish(2)
    assert len(rig.cache.streams[("h", 10)][1]) == 10
    got = await rig.feed(10, 4)
    assert got == rig.expected(10)
    assert len(got) == 25


async def test_follow_shows_posts_before_the_event_and_unfollow_hides_them_at_once() -> None:
    rig = make_rig(threshold=100)
    await rig.feed(10, 5)
    old = [await rig.publish(2) for _ in range(4)]
    await rig.follow(10, 2, process=False)  # the UserFollowed event has not been processed
    assert await rig.feed(10, 3) == sorted(old, reverse=True)
    rig.world.follows[10].discard(2)
    assert await rig.feed(10, 3) == []


async def test_inactive_followers_are_skipped_and_rebuilt_on_return() -> None:
    rig = make_rig(threshold=100)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    rig.cache.active.discard(10)  # the activity mark expired
    posts = [await rig.publish(2) for _ in range(3)]
    assert rig.store.home[10].isdisjoint(posts)  # nothing pushed to an inactive follower
    assert await rig.feed(10, 2) == sorted(posts, reverse=True)
    await rig.background.drain()
    assert set(posts) <= rig.store.home[10]  # rebuilt
    assert rig.cache.sources[10].keys() == {2, 10}


async def test_an_author_that_stops_being_a_celebrity_keeps_its_pulled_posts() -> None:
    rig = make_rig(threshold=2)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    await rig.background.drain()
    await rig.follow(11, 2)  # 2 is a celebrity now
    celeb_post = await rig.publish(2)
    rig.world.follows[11].discard(2)  # and no longer
    assert celeb_post in await rig.feed(10, 3)


@pytest.mark.parametrize("window_tombstones", [True, False])
async def test_hidden_and_deleted_posts_are_skipped_and_pages_stay_full(window_tombstones: bool) -> None:
    rig = make_rig(threshold=100, window_tombstones=window_tombstones)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    rig.world.close_friends.add((2, 11))  # 10 is not a close friend of 2
    ids = [await rig.publish(2, Visibility.CLOSE_FRIENDS if 3 <= n < 9 else Visibility.PUBLIC) for n in range(12)]
    await rig.feed(10, 2)  # the posts are cached now: the deletion below must still show
    del rig.world.posts[ids[-1]]
    got = await rig.feed(10, 2)
    assert got == rig.expected(10) and len(got) == 5


@pytest.mark.parametrize("seed", range(8))
async def test_random_scenarios_match_the_model(seed: int) -> None:
    rnd = random.Random(seed)
    rig = make_rig(threshold=3, home_max=6, depth=5, window_tombstones=seed % 2 == 0)
    users = list(range(1, 9))
    for _ in range(120):
        op = rnd.random()
        a, b = rnd.sample(users, 2)
        if op < 0.45:
            await rig.publish(a)
        elif op < 0.55:
            await rig.publish(a, Visibility.CLOSE_FRIENDS)
        elif op < 0.65:
            await rig.follow(a, b, process=rnd.random() < 0.7)
        elif op < 0.75:
            rig.world.follows[a].discard(b)
            if rnd.random() < 0.5:
                await rig.graph_events.unfollowed(a, b)
        elif op < 0.8 and rig.world.posts:
            victim = rnd.choice(sorted(rig.world.posts))
            post = rig.world.posts.pop(victim)
            if rnd.random() < 0.5:
                await rig.posts.deleted(victim, post.author_id)
        elif op < 0.85:
            rig.world.close_friends ^= {(a, b)}
        elif op < 0.9:
            rig.cache.active.discard(a)
        else:
            viewer = rnd.choice(users)
            assert await rig.feed(viewer, 3) == rig.expected(viewer), f"seed {seed}"
    for viewer in users:
        assert await rig.feed(viewer, 3) == rig.expected(viewer), f"seed {seed}"


async def test_ranked_window_then_chronological_without_duplicates_or_gaps() -> None:
    rig = make_rig(threshold=100, ranker=FakeRanker())
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    for _ in range(30):
        await rig.publish(2)
    got = await rig.feed(10, 5, FeedMode.RANKED)
    assert sorted(got, reverse=True) == rig.expected(10)
    assert len(set(got)) == len(got) == 30
    window = got[:12]
    assert [rig.world.posts[i].id % 7 for i in window] == sorted((i % 7 for i in window), reverse=True)
    assert got[12:] == sorted(got[12:], reverse=True)


async def test_ranking_failure_degrades_to_chronological() -> None:
    rig = make_rig(threshold=100, ranker=FakeRanker(fail=True))
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    for _ in range(4):
        await rig.publish(2)
    page = await rig.get_feed(10, FeedCursor(), 3, FeedMode.RANKED)
    assert page.degraded is True
    assert [i.post.id for i in page.items] == rig.expected(10)[:3]


async def test_a_page_costs_one_batch_call_of_each_kind() -> None:
    rig = make_rig(threshold=100)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    for _ in range(10):
        await rig.publish(2)
    rig.world.calls.clear()
    await rig.get_feed(10, FeedCursor(), 5, FeedMode.CHRONOLOGICAL)
    assert rig.world.calls["batch_get_posts"] == 1  # new posts: one batch for the page
    assert rig.world.calls["deleted_among"] == 0  # a first page's window came with its tombstones
    rig.world.calls.clear()
    page = await rig.get_feed(10, FeedCursor(), 5, FeedMode.CHRONOLOGICAL)
    assert rig.world.calls["batch_get_posts"] == 0  # cached now
    assert rig.world.calls["deleted_among"] == 0
    rig.world.calls.clear()
    await rig.get_feed(10, page.next_cursor or FeedCursor(), 5, FeedMode.CHRONOLOGICAL)
    assert rig.world.calls["batch_get_posts"] == 1  # the posts the first page did not need: one batch
    assert rig.world.calls["deleted_among"] == 1  # a next page asks about its warmed candidates


async def test_the_next_page_comes_from_the_candidates_read_ahead_with_this_one() -> None:
    rig = make_rig(threshold=100, home_max=100)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    for _ in range(70):
        await rig.publish(2)
    reads: list[int | None] = []
    real_read = rig.cache.read

    async def counting_read(kind: str, owner: int, before: int | None, count: int) -> CachedSlice | None:
        reads.append(before)
        return await real_read(kind, owner, before, count)

    rig.cache.read = counting_read  # type: ignore[method-assign]
    first = await rig.get_feed(10, FeedCursor(), 20, FeedMode.CHRONOLOGICAL)
    assert len(reads) == 1  # one stream read for this page and the next one's candidates
    assert first.next_cursor is not None
    second = await rig.get_feed(10, FeedCursor.decode(first.next_cursor.encode()), 20, FeedMode.CHRONOLOGICAL)
    assert len(reads) == 1  # the second page did not read the stream
    assert [i.post.id for i in first.items + second.items] == rig.expected(10)[:40]
