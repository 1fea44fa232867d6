"""The timeline's Redis scripts against the real Redis: the fanout push (active readers only, several posts per
reader in one write, trimmed to the cap once past an eighth more) and what reads and removals make of a trimmed set."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import pytest

from services.common import post_tombstones, redis_keys
from services.common.polling import wait_until
from services.common.redis import create_redis
from services.common.redis_mux import RedisMux
from services.common.relationship_version import relationship_version_key
from services.timeline.adapters.redis.posts_in_flight import IN_FLIGHT_READ_MAX
from services.timeline.adapters.redis.readers import ACTIVE_CHECK_KEYS
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.adapters.redis.timeline_redis import TimelineRedis
from services.timeline.app.ports import Reach, ReaderState, StreamKind
from services.timeline.domain.ids import to_member
from stack.settings import StackSettings

CAP = 5
HOME = StreamKind.HOME


@asynccontextmanager
async def scratch_cache(settings: StackSettings, **options: Any) -> AsyncIterator[TimelineRedis]:
    """A cache on keys of its own (a fresh prefix), with the tests' settings unless `options` say otherwise."""
    client = create_redis(settings.redis_url)
    mux = RedisMux(settings.redis_url)
    prefix = f"tl-t-{uuid.uuid4().hex[:8]}"
    tombstones = f"{prefix}:tombstones"  # a set of its own, not the post service's
    defaults = {"home_max": CAP, "author_max": CAP, "inactive_seconds": 3600, "prefix": prefix}
    try:
        yield TimelineRedis.build(
            client, mux, TimelineRedisSettings(**{**defaults, "tombstones_key": tombstones, **options})
        )
    finally:
        await client.aclose()
        await mux.close()


@pytest.fixture
async def cache(stack_settings: StackSettings) -> AsyncIterator[TimelineRedis]:
    async with scratch_cache(stack_settings) as made:
        yield made


OLD = 1  # an old post id every home cache here starts with (an empty cache is not kept)


async def empty_home(cache: TimelineRedis, reader: int) -> None:
    await cache.read_start.touch(reader)  # active
    token = await cache.timelines.begin_fill(HOME, reader)
    assert token is not None
    assert await cache.timelines.commit_fill(HOME, reader, token, [OLD], complete=True)


async def test_push_reaches_active_readers_only_and_reports_which(cache: TimelineRedis) -> None:
    await empty_home(cache, 1)
    await empty_home(cache, 3)
    # Active, but no home cache yet: nothing to write into; its reads find the post in Cassandra once written there.
    await cache.read_start.touch(4)
    reached = await cache.timelines.push_home([([100], [1, 2, 3, 4]), ([101], [2, 3])])
    assert reached == [
        [Reach.WRITTEN, Reach.INACTIVE, Reach.WRITTEN, Reach.NOT_CACHED],
        [Reach.INACTIVE, Reach.WRITTEN],
    ]
    assert (await cache.timelines.read(HOME, 1, None, 10)).ids == [100, OLD]  # type: ignore[union-attr]
    assert (await cache.timelines.read(HOME, 3, None, 10)).ids == [101, 100, OLD]  # type: ignore[union-attr]
    assert await cache.timelines.read(HOME, 2, None, 10) is None
    assert await cache.timelines.read(HOME, 4, None, 10) is None


async def test_a_trimmed_set_vouches_only_from_its_least_id_even_after_removals(cache: TimelineRedis) -> None:
    await empty_home(cache, 7)
    for post in range(100, 108):  # 8 pushes into a cap of 5: 100..102 trimmed
        await cache.timelines.push_home([([post], [7])])
    got = await cache.timelines.read(HOME, 7, None, 10)
    assert got is not None and got.ids == [107, 106, 105, 104, 103] and got.low == 103  # OLD trimmed first
    await cache.timelines.push_home([([101], [7])])  # a late, older delivery: below what the set vouches for
    assert (await cache.timelines.read(HOME, 7, None, 10)).ids == [107, 106, 105, 104, 103]  # type: ignore[union-attr]
    await cache.timelines.remove(HOME, 7, [105, 999])
    got = await cache.timelines.read(HOME, 7, None, 10)
    assert got is not None and got.ids == [107, 106, 104, 103] and got.low == 103  # not back to "everything"


async def test_one_push_writes_several_posts_and_skips_those_below_lo(cache: TimelineRedis) -> None:
    await empty_home(cache, 21)
    await cache.timelines.push_home([([300, 302, 301], [21, 22])])
    assert (await cache.timelines.read(HOME, 21, None, 10)).ids == [302, 301, 300, OLD]  # type: ignore[union-attr]
    for post in range(303, 306):  # 7 ids into a cap of 5: trimmed, `lo` raised to 301
        await cache.timelines.push_home([([post], [21])])
    got = await cache.timelines.read(HOME, 21, None, 10)
    assert got is not None and got.ids == [305, 304, 303, 302, 301] and got.low == 301
    await cache.timelines.push_home(
        [([299, 306], [21])]
    )  # 299 lies below `lo`: the set would no longer be complete from it
    got = await cache.timelines.read(HOME, 21, None, 10)
    assert got is not None and got.ids == [306, 305, 304, 303, 302] and got.low == 302


async def test_a_set_grows_an_eighth_past_its_cap_before_one_trim(stack_settings: StackSettings) -> None:
    async with scratch_cache(stack_settings, home_max=16, author_max=16) as cache:
        client = cache.client
        await empty_home(cache, 5)
        home = redis_keys.home_timeline(5, cache.prefix)
        for post in range(100, 117):  # OLD + 17 posts = 18 = 16 + 16 // 8: not trimmed yet
            await cache.timelines.push_home([([post], [5])])
        assert await client.zcard(home.ids) == 18
        await cache.timelines.push_home([([117], [5])])  # 19: trimmed back to 16, `lo` raised to the least id kept
        assert await client.zcard(home.ids) == 16
        got = await cache.timelines.read(HOME, 5, None, 20)
        assert got is not None and got.ids == list(range(117, 101, -1)) and got.low == 102
        assert await client.get(home.complete_from) == to_member(102).encode()


async def test_home_rebuilds_are_logged_for_the_durable_push(cache: TimelineRedis) -> None:
    before_ms = int(time.time() * 1000) - 1
    await cache.read_start.touch(31)
    assert await cache.timelines.begin_fill(HOME, 31) is not None
    assert await cache.timelines.begin_fill(StreamKind.AUTHOR, 32) is not None  # author caches are not pushed into
    assert await cache.timelines.readers_filled_since(before_ms) == frozenset({31})
    assert await cache.timelines.readers_filled_since(int(time.time() * 1000) + 1000) == frozenset()
    assert (
        await cache.timelines.readers_filled_since(before_ms - cache.timelines.fills_log_ms) is None
    )  # further back than it keeps


async def test_pipelined_scripts_survive_a_redis_that_lost_them(cache: TimelineRedis) -> None:
    await empty_home(cache, 9)
    await cache.client.script_flush()  # a restarted Redis, or SCRIPT FLUSH
    assert await cache.timelines.push_home([([200], [9])]) == [[True]]
    await cache.client.script_flush()
    (got,) = await cache.timelines.read_many(HOME, [9], [None], 10)
    assert got is not None and got.ids == [200, OLD]


async def test_a_home_cache_lives_as_long_as_its_reader_is_active(cache: TimelineRedis) -> None:
    await empty_home(cache, 11)
    home = redis_keys.home_timeline(11, cache.prefix)
    complete_from = home.complete_from
    assert 0 < await cache.client.ttl(complete_from) <= 3600 < await cache.client.ttl(home.ids)  # `:lo` goes first
    await cache.client.expire(complete_from, 5)
    await cache.read_start.touch(11)  # a read within a minute of the last renewal writes nothing
    assert await cache.client.ttl(complete_from) <= 5
    active = redis_keys.reader_active(11, cache.prefix)
    await cache.client.set(active, int(time.time()) - 60, ex=3000)  # renewed a minute ago
    assert not (await cache.read_start.touch(11)).was_stale  # a read now renews all three
    assert await cache.client.ttl(complete_from) > 3000 and await cache.client.ttl(active) > 3000
    await cache.timelines.remove(HOME, 11, [OLD])  # emptied: the cache goes, the next read fills it again
    assert await cache.timelines.read(HOME, 11, None, 10) is None


async def test_a_home_window_says_which_of_its_posts_are_deleted_when_the_tombstones_are_known(
    cache: TimelineRedis,
) -> None:
    await empty_home(cache, 8)
    small, large = 7, 1_234_567_890_123_456_789  # padded with zeros as members; plain decimal in the tombstone set
    await cache.timelines.push_home([([small, 100, large], [8])])
    _, window = await cache.read_start.touch_and_read_home(8, None, 10, 10)
    assert window is not None and window.ids == [large, 100, small, OLD]
    assert window.deleted is None  # no tombstone set yet: unknown, the reader asks on its own
    await cache.client.zadd(cache.tombstones.key, {post_tombstones.SENTINEL: float("inf")})
    _, window = await cache.read_start.touch_and_read_home(8, None, 10, 10)
    assert window is not None and window.deleted == frozenset() and window.checked == 4
    await cache.tombstones.mark_deleted([small, large])
    _, window = await cache.read_start.touch_and_read_home(8, None, 10, 10)
    assert window is not None and window.ids == [large, 100, small, OLD]  # the window itself is unchanged
    assert window.deleted == {small, large} and window.checked == 4
    assert await cache.tombstones.deleted_among([small, 100, large]) == {
        small,
        large,
    }  # the same answer asked on its own
    _, window = await cache.read_start.touch_and_read_home(8, large, 10, 10)
    assert window is not None and window.ids == [100, small, OLD] and window.deleted == {small}
    # Only the first ids are checked when asked so: the rest of the window is read, not checked.
    _, window = await cache.read_start.touch_and_read_home(8, None, 10, 2)
    assert window is not None and window.ids == [large, 100, small, OLD]
    assert window.checked == 2 and window.deleted == {large}


async def test_a_readers_sources_are_sent_again_only_when_another_process_changed_them(
    cache: TimelineRedis, stack_settings: StackSettings
) -> None:
    client, mux = create_redis(stack_settings.redis_url), RedisMux(stack_settings.redis_url)
    other = TimelineRedis.build(client, mux, cache.settings)  # another replica, on the same keys
    try:
        first = await cache.read_start.touch(21)
        assert first.sources == {} and first.pull_only_sources == frozenset()
        assert await other.readers.set_source(21, 5, 0, first.generation)
        assert await other.readers.set_source(21, 6, 900, first.generation)
        changed = await cache.read_start.touch(21)
        assert changed.sources == {5: 0, 6: 900}
        again = await cache.read_start.touch(21)
        assert again.sources is changed.sources  # not sent again: the objects held since
        await other.readers.mark_pull_only(6)
        assert (await cache.read_start.touch(21)).pull_only_sources == {6}
        await other.readers.drop_sources(21, [5])
        touch, _ = await cache.read_start.touch_and_read_home(21, None, 10, 10)
        assert touch.sources == {6: 900}
        await cache.client.delete(
            redis_keys.reader_active(21, cache.prefix)
        )  # the reader went inactive: it starts over
        back = await cache.read_start.touch(21)
        assert back.was_stale and back.sources == {} and back.generation == first.generation + 1
        assert not await other.readers.set_source(
            21, 5, 0, first.generation
        )  # a backfill of the old generation is refused
        assert (await cache.read_start.touch(21)).sources == {}
    finally:
        await client.aclose()
        await mux.close()


async def test_published_posts_are_remembered_for_the_recent_period_only(stack_settings: StackSettings) -> None:
    async with scratch_cache(stack_settings, recent_seconds=1.0) as cache:
        client, notes = cache.client, cache.recent_posts
        key = redis_keys.recent_posts(7, cache.prefix)
        await notes.note_published(7, [100, 102])
        await notes.note_published(7, [101])
        assert await notes.recently_published(7) == [102, 101, 100]
        assert await notes.recently_published(8) == []
        assert 0 < await client.pttl(key) <= 1000  # the key goes with its last note
        noted_ms = int(time.time() * 1000) - 900  # the first notes made 0.9 s ago, near the end of the period
        await client.zadd(key, {to_member(p): noted_ms for p in (100, 101, 102)}, xx=True)
        await notes.note_published(7, [103])

        async def first_notes_gone() -> bool:
            return 100 not in await notes.recently_published(7)

        await wait_until(first_notes_gone, what="the first notes past the period")
        assert await notes.recently_published(7) == [103]  # the last one is not
        await notes.note_published(7, [104])  # a note also drops what is past the period
        assert await client.zcard(key) == 2


async def test_a_note_comes_back_with_the_authors_relationship_version(cache: TimelineRedis) -> None:
    author = 900_000_000 + uuid.uuid4().int % 1_000_000
    key = relationship_version_key(author)
    assert await cache.recent_posts.note_published(author, [1]) == ""  # no version published: unknown
    await cache.client.set(key, "v-1", ex=60)
    assert await cache.recent_posts.note_published(author, [2]) == "v-1"
    await cache.client.set(key, "v-2", ex=60)  # the graph published a change
    assert await cache.recent_posts.note_published(author, []) == "v-2"
    assert await cache.recent_posts.recently_published(author) == [2, 1]
    await cache.client.delete(key)


async def test_activity_of_more_readers_than_one_check_takes_comes_back_in_order(cache: TimelineRedis) -> None:
    readers = list(range(1, 1_201))
    assert ACTIVE_CHECK_KEYS == 500  # so: three calls
    active = {1, 499, 500, 501, 1_000, 1_001, 1_200}
    for reader in active:
        await cache.read_start.touch(reader)
    assert await cache.readers.active_readers(readers) == [r in active for r in readers]


async def test_a_cache_that_sends_its_scripts_a_few_at_a_time_answers_them_in_order(
    cache: TimelineRedis, stack_settings: StackSettings
) -> None:
    mux = RedisMux(stack_settings.redis_url)  # a fanout member's own connection, as wired
    bulk = TimelineRedis.build(cache.client, mux, cache.settings, scripts_at_once=2)
    try:
        for reader in (1, 3, 5):
            await empty_home(cache, reader)
        groups = [([100 + n], [n, n + 1]) for n in range(1, 6)]  # five calls: two, two, then one
        assert await bulk.timelines.push_home(groups) == [
            [True, False],
            [False, True],
            [True, False],
            [False, True],
            [True, False],
        ]
        expected = {1: [101, OLD], 3: [103, 102, OLD], 5: [105, 104, OLD]}
        for reader, ids in expected.items():
            assert (await cache.timelines.read(HOME, reader, None, 10)).ids == ids  # type: ignore[union-attr]
    finally:
        await mux.close()


async def test_a_post_is_in_flight_until_its_last_chunk_is_pushed(cache: TimelineRedis) -> None:
    def in_flight(state: ReaderState) -> list[tuple[int, int]]:
        return sorted((p.author_id, p.post_id) for p in state.in_flight)

    await cache.recent_posts.note_published(7, [100, 101])
    assert in_flight(await cache.read_start.touch(42)) == [
        (7, 100),
        (7, 101),
    ]  # every reader's touch lists them at once
    await cache.in_flight.chunks_in_flight(7, [100, 101], [1, 501], more=True)  # a first listing page of two chunks
    await cache.in_flight.end_in_flight([(100, 7, 1), (100, 7, 501), (101, 7, 1)])
    touched, _ = await cache.read_start.touch_and_read_home(43, None, 10, 10)
    assert in_flight(touched) == [(7, 100), (7, 101)]  # 100 waits for the next page's chunks, 101 for one more
    await cache.in_flight.chunks_in_flight(7, [100, 101], [1001], more=False)  # the last page
    await cache.in_flight.end_in_flight([(101, 7, 501), (101, 7, 1001)])
    assert in_flight(await cache.read_start.touch(42)) == [(7, 100)]
    await cache.in_flight.end_in_flight([(100, 7, 1001), (100, 7, 1001)])  # at least once: a chunk pushed again
    assert in_flight(await cache.read_start.touch(42)) == []
    await cache.in_flight.end_in_flight([(100, 7, 1)])  # a late repeat after the post left changes nothing
    assert in_flight(await cache.read_start.touch(42)) == []


async def test_a_chunk_pushed_to_a_reader_with_no_cache_is_in_flight_until_stored(cache: TimelineRedis) -> None:
    def in_flight(state: ReaderState) -> list[int]:
        return sorted(p.post_id for p in state.in_flight)

    await cache.recent_posts.note_published(7, [100, 101, 102])
    await cache.in_flight.chunks_in_flight(7, [100, 101], [1, 501], more=False)  # tasks, two chunks each
    await cache.in_flight.stored([(100, 7, 1), (100, 7, 501)])  # the durable group first: nothing waited for it
    assert in_flight(await cache.read_start.touch(42)) == [100, 101, 102]
    pushed = [(100, 7, 1), (100, 7, 501), (101, 7, 1), (101, 7, 501)]
    await cache.in_flight.end_in_flight(pushed, to_store=[(101, 7, 501)])  # 501's first reader had no cache
    await cache.in_flight.chunks_in_flight(7, [102], [], more=False, to_store=[1])  # pushed inline, the same
    assert in_flight(await cache.read_start.touch(42)) == [101, 102]
    await cache.in_flight.stored([(101, 7, 1), (101, 7, 501), (102, 7, 1)])
    assert in_flight(await cache.read_start.touch(42)) == []
    await cache.in_flight.stored([(101, 7, 501)])  # a repeat changes nothing
    assert in_flight(await cache.read_start.touch(42)) == []


async def test_a_post_leaves_the_in_flight_registry_after_the_period_whatever_is_left(
    stack_settings: StackSettings,
) -> None:
    async with scratch_cache(stack_settings, in_flight_seconds=0.5) as cache:
        client = cache.client
        await cache.recent_posts.note_published(7, [100])
        await cache.in_flight.chunks_in_flight(7, [100], [1, 501], more=False)
        assert [p.post_id for p in (await cache.read_start.touch(42)).in_flight] == [100]
        assert 0 < await client.pttl(redis_keys.chunks_left(100, cache.prefix)) <= 500

        async def no_longer_merged() -> bool:  # never pushed: no longer merged once past the period
            return (await cache.read_start.touch(42)).in_flight == ()

        await wait_until(no_longer_merged, what="post 100 past the in-flight period")
        await cache.recent_posts.note_published(7, [102])  # the next note drops the stale entry
        assert await client.zrange(redis_keys.posts_in_flight(cache.prefix), 0, -1) == [b"7:102"]


def _later_than(noted_ms: float | None) -> bool:
    """The clock is past the millisecond of a note: the next one is noted later."""
    return noted_ms is not None and time.time() * 1000 >= noted_ms + 1


async def test_a_read_takes_the_newest_posts_in_flight_only(cache: TimelineRedis) -> None:
    posts = list(range(1000, 1000 + IN_FLIGHT_READ_MAX + 10))
    registry = redis_keys.posts_in_flight(cache.prefix)
    for post in posts:  # one at a time: every 50th noted in a later millisecond than the one before
        await cache.recent_posts.note_published(7, [post])
        if post % 50 == 0:
            await wait_until(
                partial(_later_than, await cache.client.zscore(registry, f"7:{post}")),
                what="a later ms",
                interval=0.001,
            )
    got = {p.post_id for p in (await cache.read_start.touch(42)).in_flight}
    assert len(got) == IN_FLIGHT_READ_MAX
    assert set(posts[-200:]) <= got  # the newest (the last few milliseconds may share a score)


async def test_a_post_of_more_chunks_than_lua_can_unpack_at_once_is_in_flight_until_the_last(
    cache: TimelineRedis,
) -> None:
    chunks = list(range(1, 10_001))  # chunks of one follower: 10,000 (Lua unpacks fewer than 8,000 at once)
    await cache.recent_posts.note_published(7, [100])
    await cache.in_flight.chunks_in_flight(7, [100], chunks, more=False)
    await cache.in_flight.end_in_flight([(100, 7, c) for c in chunks[:-1]])
    assert [p.post_id for p in (await cache.read_start.touch(42)).in_flight] == [100]
    await cache.in_flight.end_in_flight([(100, 7, chunks[-1])])
    assert (await cache.read_start.touch(42)).in_flight == ()


async def test_a_post_with_nothing_to_push_leaves_the_in_flight_registry_when_listed(cache: TimelineRedis) -> None:
    await cache.recent_posts.note_published(7, [100, 101])
    await cache.in_flight.chunks_in_flight(7, [100], [], more=False)  # pushed inline (or a celebrity's: pulled)
    assert [p.post_id for p in (await cache.read_start.touch(42)).in_flight] == [101]
    await cache.in_flight.chunks_in_flight(7, [101], [], more=True)  # a first page pushed inline, another to come
    assert [p.post_id for p in (await cache.read_start.touch(42)).in_flight] == [101]
    await cache.in_flight.chunks_in_flight(7, [101], [], more=False)
    assert (await cache.read_start.touch(42)).in_flight == ()
    await cache.in_flight.chunks_in_flight(7, [102], [5], more=False)  # never noted: not in flight
    assert (await cache.read_start.touch(42)).in_flight == ()
