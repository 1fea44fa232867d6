"""The feed use cases on in-memory fakes: push, pull, caps, paging and ranking, checked against the contract rule."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, replace

import pytest
from prometheus_client import REGISTRY

from services.common.visibility import Visibility
from services.timeline.app.background import Background
from services.timeline.app.feed import FeedReader, FeedTuning
from services.timeline.app.ingest import (
    CacheFanout,
    FanoutPolicy,
    GraphEvents,
    PostEvents,
    Publication,
    StoreFanout,
)
from services.timeline.app.materialize import Materializer
from services.timeline.app.peer_caches import CachedFollowees, CachedFollowers, CachedPosts
from services.timeline.app.ports import CachedSlice, FollowerPage
from services.timeline.app.streams import StreamReader
from services.timeline.domain.cursor import FeedCursor, FeedMode
from services.timeline.domain.delivery import Followees
from services.timeline.domain.feed import Post
from tests.unit.timeline.fakes import (
    FakeCache,
    FakeEngagement,
    FakeQueue,
    FakeRanker,
    FakeStore,
    FakeUsers,
    FakeWorld,
)


@dataclass
class Rig:
    world: FakeWorld
    cache: FakeCache
    store: FakeStore
    queue: FakeQueue
    background: Background
    reader: FeedReader
    posts: PostEvents
    graph_events: GraphEvents
    hot: CacheFanout
    durable: StoreFanout
    next_id: int = 1000

    async def publish(self, author: int, visibility: Visibility = Visibility.PUBLIC) -> int:
        self.next_id += random.randint(1, 5)
        post = Post(id=self.next_id, author_id=author, text="t", visibility=visibility, create_time_ns=0)
        self.world.posts[post.id] = post
        await self.posts.published(f"e{post.id}", post.id, author, 0)
        await self.deliver()
        return post.id

    async def deliver(self) -> None:
        chunks, self.queue.chunks = self.queue.chunks, []
        if chunks:
            await self.hot.deliver(chunks)
            await self.durable.deliver(chunks)

    async def follow(self, follower: int, followee: int, *, process: bool = True) -> None:
        self.world.follows[follower].add(followee)
        if process:
            await self.graph_events.followed(follower, followee)

    async def feed(self, viewer: int, limit: int, mode: FeedMode = FeedMode.CHRONOLOGICAL) -> list[int]:
        seen: list[int] = []
        cursor = FeedCursor()
        for _ in range(1000):
            page = await self.reader.get_feed(viewer, cursor, limit, mode)
            assert len(page.items) <= limit
            seen.extend(i.post.id for i in page.items)
            if page.next_cursor is None:
                await self.background.drain()
                return seen
            assert len(page.items) == limit, "a page is full unless the feed ends"
            cursor = FeedCursor.decode(page.next_cursor.encode())
        raise AssertionError("the feed never ended")

    def expected(self, viewer: int) -> list[int]:
        authors = self.world.follows[viewer] | {viewer}
        return sorted(
            (
                p.id
                for p in self.world.posts.values()
                if p.author_id in authors
                and (
                    p.author_id == viewer
                    or p.visibility is not Visibility.CLOSE_FRIENDS
                    or (p.author_id, viewer) in self.world.close_friends
                )
            ),
            reverse=True,
        )


def make_rig(
    *,
    threshold: int = 3,
    home_max: int = 10,
    depth: int = 800,
    ranker: FakeRanker | None = None,
    window_tombstones: bool = True,
) -> Rig:
    """`window_tombstones`: the home window read says which of its posts are deleted (as the real cache does while
    the tombstone set is complete)."""
    world = FakeWorld(threshold)
    cache = FakeCache({"h": home_max, "a": 8})
    if window_tombstones:
        cache.tombstones = world
    cache.versions = world.version_of
    store = FakeStore()
    queue = FakeQueue()
    background = Background()
    streams = StreamReader(cache=cache, store=store, background=background, home_max=home_max, author_max=8)
    materializer = Materializer(timelines=cache, readers=cache, recent_posts=cache, store=store, depth=depth)
    reader = FeedReader(
        read_start=cache,
        readers=cache,
        locks=cache,
        id_lists=cache,
        streams=streams,
        materializer=materializer,
        followees=CachedFollowees(world, size=100, max_age_seconds=60),
        posts=CachedPosts(world, world, size=1000),
        users=FakeUsers(),
        engagement=FakeEngagement(),
        ranker=ranker or FakeRanker(enabled=False),
        background=background,
        tuning=FeedTuning(rank_candidates=12),
    )
    posts = PostEvents(
        timelines=cache,
        recent_posts=cache,
        in_flight=cache,
        readers=cache,
        store=store,
        graph=world,
        queue=queue,
        policy=FanoutPolicy(chunk_size=2, inline_max=2),
        tombstones=world,
        followers=CachedFollowers(max_ids=1000),
    )
    return Rig(
        world=world,
        cache=cache,
        store=store,
        queue=queue,
        background=background,
        reader=reader,
        posts=posts,
        graph_events=GraphEvents(readers=cache, materializer=materializer),
        hot=CacheFanout(timelines=cache, in_flight=cache),
        durable=StoreFanout(timelines=cache, readers=cache, store=store),
    )


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
    page = await rig.reader.get_feed(10, FeedCursor(), 3, FeedMode.RANKED)
    assert page.degraded is True
    assert [i.post.id for i in page.items] == rig.expected(10)[:3]


async def test_a_page_costs_one_batch_call_of_each_kind() -> None:
    rig = make_rig(threshold=100)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    for _ in range(10):
        await rig.publish(2)
    rig.world.calls.clear()
    await rig.reader.get_feed(10, FeedCursor(), 5, FeedMode.CHRONOLOGICAL)
    assert rig.world.calls["batch_get_posts"] == 1  # new posts: one batch for the page
    assert rig.world.calls["deleted_among"] == 0  # a first page's window came with its tombstones
    rig.world.calls.clear()
    page = await rig.reader.get_feed(10, FeedCursor(), 5, FeedMode.CHRONOLOGICAL)
    assert rig.world.calls["batch_get_posts"] == 0  # cached now
    assert rig.world.calls["deleted_among"] == 0
    rig.world.calls.clear()
    await rig.reader.get_feed(10, page.next_cursor or FeedCursor(), 5, FeedMode.CHRONOLOGICAL)
    assert rig.world.calls["batch_get_posts"] == 1  # the posts the first page did not need: one batch
    assert rig.world.calls["deleted_among"] == 1  # a next page asks about its warmed candidates


async def test_an_audience_that_fits_one_task_is_pushed_before_the_task_goes_out() -> None:
    rig = make_rig(threshold=100)  # chunk size 2
    await rig.follow(10, 2)
    await rig.feed(10, 3)  # active, with a home cache
    rig.next_id += 1
    post = Post(id=rig.next_id, author_id=2, text="t", visibility=Visibility.PUBLIC, create_time_ns=0)
    rig.world.posts[post.id] = post
    await rig.posts.published("e", post.id, 2, 0)
    assert post.id in rig.cache.streams[("h", 10)][1]  # in Redis before any fanout worker ran
    # the durable writes still go out: the follower's, and the author's own home row
    assert sorted((c.follower_ids, c.cache_written) for c in rig.queue.chunks) == [([2], True), ([10], True)]
    await rig.follow(11, 2)
    await rig.follow(12, 2)
    rig.queue.chunks.clear()
    await rig.posts.published("e2", post.id + 1, 2, 0)  # three followers: two tasks, none pushed inline
    assert [c.cache_written for c in rig.queue.chunks if c.follower_ids != [2]] == [False, False]

    rig.posts.policy = replace(rig.posts.policy, inline_max=3)  # three followers are now a small audience
    rig.queue.chunks.clear()
    await rig.feed(11, 3)
    await rig.feed(12, 3)
    await rig.posts.published("e3", post.id + 2, 2, 0)
    assert sorted((c.follower_ids, c.cache_written) for c in rig.queue.chunks) == [
        ([2], True),
        ([10, 11], True),
        ([12], True),
    ]
    assert all(post.id + 2 in rig.cache.streams[("h", r)][1] for r in (10, 11, 12))


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
    first = await rig.reader.get_feed(10, FeedCursor(), 20, FeedMode.CHRONOLOGICAL)
    assert len(reads) == 1  # one stream read for this page and the next one's candidates
    assert first.next_cursor is not None
    second = await rig.reader.get_feed(10, FeedCursor.decode(first.next_cursor.encode()), 20, FeedMode.CHRONOLOGICAL)
    assert len(reads) == 1  # the second page did not read the stream
    assert [i.post.id for i in first.items + second.items] == rig.expected(10)[:40]


async def test_a_burst_of_one_authors_posts_lists_the_followers_once() -> None:
    rig = make_rig(threshold=100)  # chunk size 2
    for reader in (10, 11, 12):
        await rig.follow(reader, 2)
        await rig.feed(reader, 3)
    burst = []
    for _ in range(4):
        rig.next_id += 1
        post = Post(id=rig.next_id, author_id=2, text="t", visibility=Visibility.PUBLIC, create_time_ns=0)
        rig.world.posts[post.id] = post
        burst.append(Publication(f"e{post.id}", post.id, 2, 0))
    listed = rig.world.calls["follower_page"]
    await rig.posts.published_many(burst)
    assert rig.world.calls["follower_page"] == listed + 1
    # every post to every chunk of followers, and to the author's own home (durable rows only)
    assert sorted((c.post_id, tuple(c.follower_ids)) for c in rig.queue.chunks) == sorted(
        (p.post_id, chunk) for p in burst for chunk in ((2,), (10, 11), (12,))
    )


async def test_an_authors_followers_are_listed_again_only_after_they_change() -> None:
    rig = make_rig(threshold=100)  # chunk size 2
    for reader in (10, 11, 12):
        await rig.follow(reader, 2)

    async def post() -> list[tuple[int, ...]]:
        rig.next_id += 1
        rig.world.posts[rig.next_id] = Post(rig.next_id, 2, "t", Visibility.PUBLIC, 0)
        rig.queue.chunks.clear()
        await rig.posts.published_many([Publication(f"e{rig.next_id}", rig.next_id, 2, 0)])
        return sorted(tuple(c.follower_ids) for c in rig.queue.chunks)

    listed = rig.world.calls["follower_page"]
    assert await post() == [(2,), (10, 11), (12,)]
    assert await post() == [(2,), (10, 11), (12,)]
    assert rig.world.calls["follower_page"] == listed + 1  # the second post reused the listing
    await rig.follow(13, 2)
    assert await post() == [(2,), (10, 11), (12, 13)]  # a new version: listed again, with the new follower
    rig.world.follows[11].discard(2)
    assert await post() == [(2,), (10, 12), (13,)]
    assert rig.world.calls["follower_page"] == listed + 3


async def test_the_push_does_not_wait_for_the_authors_timeline_and_a_follow_it_misses_still_gets_the_post() -> None:
    rig = make_rig(threshold=100)
    await rig.follow(10, 2)
    await rig.feed(10, 3)  # active, with a home cache: pushed inline
    await rig.feed(11, 3)  # active, follows nobody yet
    landed = asyncio.Event()
    write = rig.store.add_authored

    async def write_in_flight(author_id: int, post_id: int) -> None:
        await landed.wait()
        await write(author_id, post_id)

    rig.store.add_authored = write_in_flight  # type: ignore[method-assign]
    rig.next_id += 1
    post = Post(id=rig.next_id, author_id=2, text="t", visibility=Visibility.PUBLIC, create_time_ns=0)
    rig.world.posts[post.id] = post
    handling = asyncio.create_task(rig.posts.published("e", post.id, 2, 0))
    for _ in range(100):
        if post.id in rig.cache.streams[("h", 10)][1]:
            break
        await asyncio.sleep(0)
    assert post.id in rig.cache.streams[("h", 10)][1], "the push waited for the author's timeline"
    assert post.id not in rig.store.authored[2]
    await rig.follow(11, 2)  # after the listing: backfilled while the author's timeline lacks the post
    landed.set()
    await handling
    assert await rig.feed(11, 3) == rig.expected(11) == [post.id]


async def test_a_post_is_in_its_followers_feeds_while_its_fanout_tasks_wait_and_until_the_last_is_pushed() -> None:
    rig = make_rig(threshold=100)  # chunks of 2, inline up to 2 followers
    fans = [10, 11, 12, 13, 14]
    for fan in fans:
        await rig.follow(fan, 2)
        await rig.feed(fan, 3)  # active, with a home cache
    rig.next_id += 1
    post = Post(id=rig.next_id, author_id=2, text="t", visibility=Visibility.PUBLIC, create_time_ns=0)
    rig.world.posts[post.id] = post
    await rig.posts.published("e", post.id, 2, 0)
    tasks = [c for c in rig.queue.chunks if not c.cache_written]
    assert [c.follower_ids for c in tasks] == [[10, 11], [12, 13], [14]]
    assert not any(post.id in rig.cache.streams[("h", fan)][1] for fan in fans)  # no task pushed yet
    for fan in fans:
        assert await rig.feed(fan, 3) == [post.id]
    assert REGISTRY.get_sample_value("feedmesh_timeline_posts_in_flight") == 1  # as the last read saw it
    assert await rig.feed(20, 3) == []  # not a follower
    rig.world.follows[14].discard(2)
    assert await rig.feed(14, 3) == []  # unfollowed: gone on the next read, though still in flight

    await rig.hot.deliver(tasks[:2])
    assert [p.post_id for p in (await rig.cache.touch(10)).in_flight] == [post.id]  # the chunk of [14] is left
    await rig.hot.deliver(tasks)  # the first two again (at least once), then the last
    assert (await rig.cache.touch(10)).in_flight == ()
    for fan in fans[:4]:
        assert await rig.feed(fan, 3) == [post.id]  # from the home timeline now
    assert REGISTRY.get_sample_value("feedmesh_timeline_posts_in_flight") == 0


async def test_a_post_pushed_inline_or_pulled_is_no_longer_in_flight_once_its_followers_are_listed() -> None:
    rig = make_rig(threshold=3)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    post_id = await rig.publish(2)  # one follower: pushed inline
    assert rig.cache.in_flight == {}
    assert await rig.feed(10, 3) == [post_id]
    for fan in (11, 12):
        await rig.follow(fan, 2)  # a celebrity now: pulled, nothing to push
    pulled = await rig.publish(2)
    assert rig.cache.in_flight == {}
    assert await rig.feed(11, 3) == [pulled, post_id]


async def test_a_post_in_flight_is_filtered_like_any_other() -> None:
    rig = make_rig(threshold=100)
    for fan in (10, 11, 12):
        await rig.follow(fan, 2)
        await rig.feed(fan, 3)
    rig.world.close_friends.add((2, 11))
    ids = []
    for visibility in (Visibility.PUBLIC, Visibility.CLOSE_FRIENDS, Visibility.PUBLIC):
        rig.next_id += 1
        rig.world.posts[rig.next_id] = Post(rig.next_id, 2, "t", visibility, create_time_ns=0)
        await rig.posts.published(f"e{rig.next_id}", rig.next_id, 2, 0)  # three followers: in flight
        ids.append(rig.next_id)
    del rig.world.posts[ids[2]]  # deleted while in flight
    assert len((await rig.cache.touch(10)).in_flight) == 3
    assert await rig.feed(10, 2) == [ids[0]]
    assert await rig.feed(11, 2) == [ids[1], ids[0]]  # the close friend


async def test_a_post_is_in_its_followers_feeds_from_its_note_while_its_followers_are_still_being_listed() -> None:
    rig = make_rig(threshold=100)
    await rig.follow(10, 2)
    await rig.feed(10, 3)

    class HeldListing:
        asked, gate = asyncio.Event(), asyncio.Event()

        async def followees(self, user_id: int) -> Followees:
            return await rig.world.followees(user_id)

        async def follower_page(self, author: int, cursor: str, limit: int) -> FollowerPage:
            self.asked.set()
            await self.gate.wait()
            return await rig.world.follower_page(author, cursor, limit)

    rig.posts.graph = listing = HeldListing()
    rig.next_id += 1
    post_id = rig.next_id
    rig.world.posts[post_id] = Post(post_id, 2, "t", Visibility.PUBLIC, create_time_ns=0)
    publishing = asyncio.create_task(rig.posts.published("e", post_id, 2, 0))
    await listing.asked.wait()  # the post is noted: its followers are listed next
    assert post_id not in rig.cache.streams[("h", 10)][1]  # not pushed: the listing is held
    assert await rig.feed(10, 3) == [post_id]
    listing.gate.set()
    await publishing
    assert post_id in rig.cache.streams[("h", 10)][1] and rig.cache.in_flight == {}
