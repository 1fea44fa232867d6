"""PostEvents on the in-memory fakes: inline pushes for small audiences, one follower listing per burst and per
version, and a push that does not wait for the author's timeline."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from services.common.polling import wait_until
from services.common.visibility import Visibility
from services.timeline.domain.fanout_plan import Publication
from services.timeline.domain.feed import Post
from tests.unit.timeline.timeline_rig import make_rig


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
    await wait_until(
        lambda: post.id in rig.cache.streams[("h", 10)][1],
        what="the push into the follower's home timeline while the author's timeline write waits",
        within=5,
    )
    assert post.id not in rig.store.authored[2]
    await rig.follow(11, 2)  # after the listing: backfilled while the author's timeline lacks the post
    landed.set()
    await handling
    assert await rig.feed(11, 3) == rig.expected(11) == [post.id]
