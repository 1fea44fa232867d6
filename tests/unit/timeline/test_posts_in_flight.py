"""Posts in flight on the in-memory fakes: a post is in its followers' feeds from its note until its last chunk is
pushed (or, pushed to a follower with no cache, stored), filtered like any other post, and no longer in flight once
pushed inline or pulled."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from services.common.visibility import Visibility
from services.timeline.app.ports import FollowerPage
from services.timeline.domain.delivery import Followees
from services.timeline.domain.feed import Post
from tests.unit.timeline.timeline_rig import make_rig


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


async def test_a_post_pushed_to_a_reader_with_no_cache_is_in_flight_until_its_durable_write() -> None:
    rig = make_rig(threshold=100)  # chunks of 2, inline up to 2 followers
    for fan in (10, 11, 12):
        await rig.follow(fan, 2)
        await rig.feed(fan, 3)
    del rig.cache.streams[("h", 10)]  # active, its cache gone (Redis keeps none for an empty timeline)
    rig.next_id += 1
    post = Post(id=rig.next_id, author_id=2, text="t", visibility=Visibility.PUBLIC, create_time_ns=0)
    rig.world.posts[post.id] = post
    await rig.posts.published("e", post.id, 2, 0)  # three followers: tasks
    await rig.hot.deliver([c for c in rig.queue.chunks if not c.cache_written])
    assert [p.post_id for p in (await rig.cache.touch(10)).in_flight] == [post.id]  # 10's chunk waits for Cassandra
    assert await rig.feed(10, 3) == [post.id]
    await rig.durable.deliver(list(rig.queue.chunks))
    assert (await rig.cache.touch(10)).in_flight == ()
    assert await rig.feed(10, 3) == [post.id]  # from the home timeline in Cassandra now


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
