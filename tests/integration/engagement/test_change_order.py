"""A like's change carries its order among its row's changes (numbered in commit order by engagement.set_like):
the counter cache applies it only if no later change of the row was applied, so two requests of one user on one post
that reach Redis in the other order still leave the committed state; whether the post is cached or not."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from services.common.redis_mux import RedisMux
from services.engagement.adapters.redis_counters import RedisCounters
from services.engagement.app.ports import PostMembers
from services.engagement.domain.model import CounterKind, MemberChange
from stack.settings import StackSettings

USER = 42


@pytest.fixture
async def cache(stack_settings: StackSettings) -> AsyncIterator[RedisCounters]:
    mux = RedisMux(stack_settings.redis_url)
    try:
        yield RedisCounters(mux, ttl_seconds=60)
    finally:
        await mux.close()


def like(post_id: int, present: bool, order: int | None) -> MemberChange:
    return MemberChange(post_id, CounterKind.LIKES, USER, present, order)


async def test_a_change_applied_after_a_later_one_changes_nothing(cache: RedisCounters) -> None:
    post_id = random.randrange(10**15, 10**16)  # a post no other test uses
    assert await cache.publish(post_id, PostMembers([7], [], []), "")
    assert await cache.apply(like(post_id, False, 11)) == 1  # the unlike, committed second, arrives first
    assert await cache.apply(like(post_id, True, 10)) == 1  # the like, committed first: stale, not applied
    assert (await cache.stats(USER, [post_id]))[post_id].liked_by_viewer is False
    assert await cache.apply(like(post_id, True, 12)) == 2  # a later like is
    assert await cache.apply(like(post_id, False, None)) == 1  # unordered changes (comments) always apply


async def test_the_orders_are_kept_while_the_post_is_not_cached(cache: RedisCounters) -> None:
    post_id = random.randrange(10**15, 10**16)
    assert await cache.apply(like(post_id, False, 21)) is None  # not cached: nothing to apply, the order is kept
    assert await cache.publish(post_id, PostMembers([], [], []), (await cache.counts([post_id]))[post_id].generation)
    assert await cache.apply(like(post_id, True, 20)) == 0  # stale after the rebuild too
    assert await cache.apply(like(post_id, True, 22)) == 1
