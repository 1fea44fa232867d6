"""The counter cache reads many posts at once (read_many.lua, a few hundred posts per run, several runs in one round
trip): each post's counts, likedByMe and change token come back in the order asked, an uncached post as such,
whatever run it falls in."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from services.common.redis_mux import RedisMux
from services.engagement.adapters.redis_counters import RedisCounters
from services.engagement.app.ports import PostMembers
from services.engagement.domain.model import CounterKind, Counts, MemberChange
from stack.settings import StackSettings

VIEWER = 7


@pytest.fixture
async def cache(stack_settings: StackSettings) -> AsyncIterator[RedisCounters]:
    mux = RedisMux(stack_settings.redis_url)
    try:
        yield RedisCounters(mux, ttl_seconds=60)
    finally:
        await mux.close()


async def test_a_page_of_many_posts_is_read_in_order(cache: RedisCounters) -> None:
    first = random.randrange(10**15, 10**16)  # posts no other test uses
    post_ids = list(range(first, first + 600))  # more than one script run's worth
    members = {
        p: PostMembers(
            likers=[VIEWER] * (n % 3 == 0) + list(range(100, 100 + n % 5)), comment_ids=[1000 + n], share_ids=[]
        )
        for n, p in enumerate(post_ids)
        if n % 4 != 1  # every fourth post stays uncached
    }
    for post_id, m in members.items():
        assert await cache.publish(post_id, m, "")
    asked = [*reversed(post_ids), post_ids[0]]  # any order, repeats allowed

    stats = await cache.stats(VIEWER, asked)
    assert set(stats) == set(members)
    for post_id, m in members.items():
        assert stats[post_id].counts == Counts(len(m.likers), 1, 0)
        assert stats[post_id].liked_by_viewer is (VIEWER in m.likers)

    anonymous = await cache.stats(0, post_ids[:8])
    assert not any(s.liked_by_viewer for s in anonymous.values())

    changed = post_ids[-1]
    await cache.apply(MemberChange(changed, CounterKind.SHARES, 9, True))  # gives the post a new token
    counts = await cache.counts(post_ids)
    for post_id in post_ids:
        cached = counts[post_id]
        expected = stats[post_id].counts if post_id in members else None
        assert cached.counts == (Counts(expected.likes, 1, 1) if post_id == changed and expected else expected)
        assert (cached.generation != "") is (post_id == changed)
    assert await cache.stats(VIEWER, []) == {}
