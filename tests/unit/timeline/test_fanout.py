"""The two fanout groups' use cases on the port fakes: what each pushes into the home timelines, and to whom."""

from __future__ import annotations

import time
from collections.abc import Sequence

from services.timeline.app.ingest import CacheFanout, StoreFanout
from services.timeline.app.ports import FanoutChunk, Reach, StreamKind
from tests.unit.timeline.fakes import FakeCache, FakeStore

HOME = StreamKind.HOME


class RecordingCache(FakeCache):
    def __init__(self) -> None:
        super().__init__({"h": 10, "a": 10})
        self.pushes: list[tuple[list[int], list[int]]] = []

    async def push_home(self, groups: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[list[Reach]]:
        self.pushes.extend((sorted(p), list(r)) for p, r in groups)
        return await super().push_home(groups)


async def cached_home(cache: FakeCache, reader: int, ids: list[int]) -> None:
    cache.active.add(reader)
    token = await cache.begin_fill(HOME, reader)
    assert token is not None
    await cache.commit_fill(HOME, reader, token, ids, complete=True)


async def test_one_authors_posts_to_the_same_followers_are_one_push() -> None:
    cache = RecordingCache()
    for reader in (1, 2, 3):
        await cached_home(cache, reader, [5])
    chunks = [FanoutChunk(post, 9, 0, readers) for post in (10, 11) for readers in ([1, 2], [3])]
    assert await CacheFanout(timelines=cache, in_flight=cache).deliver(chunks) == 6
    assert cache.pushes == [([10, 11], [1, 2]), ([10, 11], [3])]
    for reader in (1, 2, 3):
        assert (await cache.read(HOME, reader, None, 10)).ids == [11, 10, 5]  # type: ignore[union-attr]


async def test_the_durable_push_goes_again_only_to_caches_rebuilt_since_the_post() -> None:
    cache, store = RecordingCache(), FakeStore()
    await cached_home(cache, 1, [5])  # had its cache when the post came: the hot push wrote it
    cache.fills[1] -= 120_000  # (built two minutes before)
    published_ns = time.time_ns() - 1_000_000_000
    cache.active.add(2)  # active, but its cache expired: the hot push found nothing to write into ...
    token = await cache.begin_fill(HOME, 2)  # ... and its rebuild reads Cassandra before the durable rows land
    assert token is not None and await store.read_home(2, None, 10) == []
    post = FanoutChunk(10, 9, published_ns, [1, 2, 3])
    assert (
        await StoreFanout(timelines=cache, readers=cache, store=store, in_flight=cache).deliver([post]) == 2
    )  # rows for the active readers 1 and 2
    assert cache.pushes == [([10], [2])]
    await cache.commit_fill(HOME, 2, token, [], complete=True)
    assert (await cache.read(HOME, 2, None, 10)).ids == [10]  # type: ignore[union-attr]


async def test_the_durable_push_goes_to_everyone_when_the_publication_time_is_unknown() -> None:
    cache, store = RecordingCache(), FakeStore()
    await cached_home(cache, 1, [5])
    await StoreFanout(timelines=cache, readers=cache, store=store, in_flight=cache).deliver(
        [FanoutChunk(10, 9, 0, [1, 2])]
    )
    assert cache.pushes == [([10], [1, 2])]


async def test_the_durable_group_writes_the_authors_own_row_even_when_the_author_never_read() -> None:
    cache, store = RecordingCache(), FakeStore()  # nobody active
    own = FanoutChunk(10, 9, 0, [9], cache_written=True)
    assert (
        await StoreFanout(timelines=cache, readers=cache, store=store, in_flight=cache).deliver(
            [own, FanoutChunk(10, 9, 0, [1])]
        )
        == 1
    )
    assert await store.read_home(9, None, 10) == [10]
    assert await store.read_home(1, None, 10) == []
