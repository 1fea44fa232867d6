"""Reading the id streams a feed merges: a reader's home timeline and the timelines of pulled authors.

Each stream is cached in Redis (capped, and complete from its `low` id up) in front of Cassandra (complete). A read
takes what the cache holds and reads through to Cassandra below `low`; a missing cache is answered from Cassandra
and filled in the background.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import Counter

from services.common.metric_children import Children
from services.timeline.app.background import Background
from services.timeline.app.metrics import AUTHOR_READS, HOME_READS
from services.timeline.app.ports import CachedSlice, StreamKind, TimelineCaches, TimelineStore
from services.timeline.domain.delivery import PullSource
from services.timeline.domain.merge import StreamSlice

ReadThrough = Callable[[int | None, int], Awaitable[list[int]]]


def _lower(before: int | None, ceiling: int | None) -> int | None:
    if before is None:
        return ceiling
    if ceiling is None:
        return before
    return min(before, ceiling)


class StreamReader:
    def __init__(
        self,
        *,
        cache: TimelineCaches,
        store: TimelineStore,
        background: Background,
        home_max: int,
        author_max: int,
    ):
        self.cache = cache
        self.store = store
        self.background = background
        self.home_max = home_max
        self.author_max = author_max

    async def home(self, reader: int, before: int | None, count: int) -> StreamSlice:
        return await self.home_from(
            await self.cache.read(StreamKind.HOME, reader, before, count), reader, before, count
        )

    async def home_from(self, cached: CachedSlice | None, reader: int, before: int | None, count: int) -> StreamSlice:
        """`home`, given what the cache answered for this window (read along with the reader's state)."""

        async def through(bound: int | None, n: int) -> list[int]:
            return await self.store.read_home(reader, bound, n)

        if cached is None:
            self._fill_later(StreamKind.HOME, reader)
        return await self._complete(cached, before, count, through, HOME_READS)

    async def pulled(self, pulls: Sequence[PullSource], before: int | None, count: int) -> list[StreamSlice]:
        if not pulls:
            return []
        bounds = [_lower(before, p.ceiling) for p in pulls]
        cached = await self.cache.read_many(StreamKind.AUTHOR, [p.author_id for p in pulls], bounds, count)
        reads = []
        for pull, bound, hit in zip(pulls, bounds, cached, strict=True):
            if hit is None:
                self._fill_later(StreamKind.AUTHOR, pull.author_id)
            reads.append(self._complete(hit, bound, count, self._authored(pull.author_id), AUTHOR_READS))
        return list(await asyncio.gather(*reads))

    def _authored(self, author: int) -> ReadThrough:
        async def through(bound: int | None, n: int) -> list[int]:
            return await self.store.read_authored(author, bound, n)

        return through

    async def _complete(
        self, cached: CachedSlice | None, before: int | None, count: int, through: ReadThrough, reads: Children[Counter]
    ) -> StreamSlice:
        if cached is None:
            reads.labels("cassandra").inc()
            return StreamSlice(await through(before, count), count)
        ids = [i for i in cached.ids if before is None or i < before]
        if len(ids) >= count or cached.low == 0:
            reads.labels("redis").inc()
            return StreamSlice(ids[:count], count)
        # The cache is complete only down to `low`: the rest comes from Cassandra, strictly below it.
        reads.labels("cassandra").inc()
        more = await through(_lower(before, cached.low), count - len(ids))
        return StreamSlice(ids + more, count)

    def _fill_later(self, kind: str, owner: int) -> None:
        self.background.spawn(f"fill:{kind}:{owner}", lambda: self.fill(kind, owner))

    async def fill(self, kind: str, owner: int) -> None:
        """Builds a missing cache from Cassandra; writes racing with it are buffered by the cache, not lost."""
        token = await self.cache.begin_fill(kind, owner)
        if token is None:
            return
        cap = self.home_max if kind == StreamKind.HOME else self.author_max
        if kind == StreamKind.HOME:
            ids = await self.store.read_home(owner, None, cap)
        else:
            ids = await self.store.read_authored(owner, None, cap)
        await self.cache.commit_fill(kind, owner, token, ids, complete=len(ids) < cap)
