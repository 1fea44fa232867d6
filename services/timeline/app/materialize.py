"""Materializing followees into home timelines, and taking them out again.

A backfill copies an author's recent posts (from the author's timeline, the source of truth, and the posts noted as
just published, whose write there may still be in flight: see PostEvents) into a reader's home timeline, durable
store first, then records the author as a source of that timeline with its floor. The record
is refused when the reader's sources were reset meanwhile (an inactive reader came back), since the copy may
predate posts that were not pushed while the reader was inactive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from services.timeline.app.metrics import REBUILDS
from services.timeline.app.ports import Readers, RecentPosts, StreamKind, TimelineCaches, TimelineStore
from services.timeline.domain.delivery import backfill_floor
from services.timeline.domain.merge import StreamSlice, merge_slices


class Materializer:
    def __init__(
        self,
        *,
        timelines: TimelineCaches,
        readers: Readers,
        recent_posts: RecentPosts,
        store: TimelineStore,
        depth: int,
        concurrency: int = 8,
    ):
        self.timelines = timelines
        self.readers = readers
        self.recent_posts = recent_posts
        self.store = store
        self.depth = depth
        self.concurrency = concurrency

    async def backfill(self, reader: int, author: int, generation: int | None = None) -> bool:
        """Copies `author`'s recent posts into `reader`'s home timeline; True when recorded as a source."""
        if generation is None:
            generation = await self.readers.generation(reader)  # before reading the author: see the module doc
        ids = await self._recent_posts(author)
        if ids:
            await self.store.add_home([(reader, post_id, author) for post_id in ids])
            await self.timelines.add(StreamKind.HOME, {reader: ids})
        REBUILDS.labels("backfill").inc()
        return await self.readers.set_source(reader, author, backfill_floor(ids, self.depth), generation)

    async def _recent_posts(self, author: int) -> list[int]:
        """The author's `depth` newest posts, newest first."""
        stored, noted = await asyncio.gather(
            self.store.read_authored(author, None, self.depth), self.recent_posts.recently_published(author)
        )
        if not noted:
            return stored
        return merge_slices([StreamSlice(stored, self.depth), StreamSlice(noted, self.depth)], None, self.depth).ids

    async def backfill_many(self, reader: int, authors: Iterable[int], generation: int) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(author: int) -> None:
            async with gate:
                await self.backfill(reader, author, generation)

        await asyncio.gather(*(one(a) for a in authors))

    async def forget(self, reader: int, author: int) -> None:
        """`reader` no longer follows `author`: stop vouching for the author, and remove the author's recent posts
        from the reader's home timeline (reads already drop them: this only reclaims space)."""
        ids = await self._recent_posts(author)
        if ids:
            await self.store.remove_home(reader, ids)
            await self.timelines.remove(StreamKind.HOME, reader, ids)
        # Last: a backfill racing with this one (the reader followed again) then ends unmaterialized, i.e. pulled.
        await self.readers.drop_sources(reader, [author])
        REBUILDS.labels("forget").inc()
