"""The write path: what the timeline does with each post and graph event (at least once: every write here is
an idempotent upsert or delete, so a replayed event changes nothing)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.timeline.app.materialize import Materializer
from services.timeline.app.metrics import (
    EVENTS,
    FANOUT_DELIVERIES,
    FANOUT_SKIPPED_INACTIVE,
    FANOUT_TASKS,
    FRESHNESS,
)
from services.timeline.app.ports import (
    FanoutChunk,
    FanoutQueue,
    Graph,
    StreamKind,
    TimelineCache,
    TimelineStore,
    Tombstones,
)
from services.timeline.domain.delivery import chunked, is_celebrity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanoutPolicy:
    celebrity_threshold: int
    chunk_size: int = 500
    # Follower ids per ListFollowerIds call (the graph allows up to 10,000).
    follower_page: int = 5000


class PostEvents:
    """feedmesh.posts: every post goes to its author's timeline and home timeline, then is pushed to followers
    (in fanout tasks) unless the author is a celebrity."""

    def __init__(
        self,
        *,
        cache: TimelineCache,
        store: TimelineStore,
        graph: Graph,
        queue: FanoutQueue,
        policy: FanoutPolicy,
        tombstones: Tombstones,
    ):
        self.cache = cache
        self.store = store
        self.graph = graph
        self.tombstones = tombstones
        self.queue = queue
        self.policy = policy

    async def published(self, event_id: str, post_id: int, author_id: int, create_time_ns: int) -> None:
        EVENTS.labels("post_published").inc()
        # The author's timeline first: backfills and pulls read it, and the push below relies on that order. The
        # author's own timelines (cache, home) do not: they are written while the followers are listed and pushed.
        await self.store.add_authored(author_id, post_id)
        await asyncio.gather(
            self._own_timelines(post_id, author_id, create_time_ns),
            self._fan_out(event_id, post_id, author_id, create_time_ns),
        )

    async def _own_timelines(self, post_id: int, author_id: int, create_time_ns: int) -> None:
        await self.cache.add(StreamKind.AUTHOR, {author_id: [post_id]})
        await self.store.add_home([(author_id, post_id, author_id)])
        await self.cache.add(StreamKind.HOME, {author_id: [post_id]})
        if create_time_ns:
            FRESHNESS.labels("own").observe(max(0.0, time.time() - create_time_ns / 1e9))

    async def _fan_out(self, event_id: str, post_id: int, author_id: int, create_time_ns: int) -> None:
        cursor = ""
        first = True
        sends: list[asyncio.Task[None]] = []
        try:
            while True:
                followers, cursor, count = await self.graph.follower_page(author_id, cursor, self.policy.follower_page)
                if first and is_celebrity(count, self.policy.celebrity_threshold):
                    # Pull-only from now on: readers merge this author's posts at read time.
                    await self.cache.mark_pull_only(author_id)
                    FANOUT_TASKS.labels("celebrity_skipped").inc()
                    return
                first = False
                chunks = [
                    FanoutChunk(post_id, author_id, create_time_ns, ids)
                    for ids in chunked(followers, self.policy.chunk_size)
                ]
                if len(chunks) == 1 and not cursor and not sends:
                    # The whole audience fits one task: push it into Redis here, a Kafka hop sooner; the task still
                    # goes out for the durable write.
                    chunks = [await self._push_inline(chunks[0])]
                if chunks:
                    # Sent while the next page is read; the event is done (and committed) only when all are acked.
                    sends.append(asyncio.create_task(self.queue.enqueue(chunks, event_id)))
                    FANOUT_TASKS.labels("enqueued").inc(len(chunks))
                if not cursor:
                    return
        finally:
            if sends:
                await asyncio.gather(*sends)

    async def _push_inline(self, chunk: FanoutChunk) -> FanoutChunk:
        (flags,) = await self.cache.push_home([(chunk.post_id, chunk.follower_ids)])
        FANOUT_DELIVERIES.labels("redis").inc(_observe_push([chunk], [flags]))
        FANOUT_TASKS.labels("cached_inline").inc()
        return FanoutChunk(chunk.post_id, chunk.author_id, chunk.create_time_ns, chunk.follower_ids, cache_written=True)

    async def deleted(self, post_id: int, author_id: int) -> None:
        """Reads already drop deleted posts (the post service marked the tombstone before DeletePost returned; the
        mark is repeated here in case that failed); this reclaims the author's timelines. Followers' home timelines
        keep the id until trimmed (see the service README)."""
        EVENTS.labels("post_deleted").inc()
        await self.tombstones.mark_deleted([post_id])
        await self.store.remove_authored(author_id, post_id)
        await self.cache.remove(StreamKind.AUTHOR, author_id, [post_id])
        await self.store.remove_home(author_id, [post_id])
        await self.cache.remove(StreamKind.HOME, author_id, [post_id])


class GraphEvents:
    """feedmesh.graph: follows are backfilled, unfollows and blocks cleaned up. Reads do not wait for any of it:
    they pull followees that are not materialized yet and filter authors no longer followed."""

    def __init__(self, *, cache: TimelineCache, materializer: Materializer):
        self.cache = cache
        self.materializer = materializer

    async def followed(self, follower_id: int, followee_id: int) -> None:
        EVENTS.labels("user_followed").inc()
        (active,) = await self.cache.active_readers([follower_id])
        if active:  # an inactive reader's timeline is rebuilt when it comes back
            await self.materializer.backfill(follower_id, followee_id)

    async def unfollowed(self, follower_id: int, followee_id: int) -> None:
        EVENTS.labels("user_unfollowed").inc()
        await self.materializer.forget(follower_id, followee_id)

    async def blocked(self, blocker_id: int, blocked_id: int) -> None:
        EVENTS.labels("user_blocked").inc()
        await self.materializer.forget(blocker_id, blocked_id)
        await self.materializer.forget(blocked_id, blocker_id)


FaultHook = Callable[[str, FanoutChunk], Awaitable[None]]


def _observe_push(chunks: list[FanoutChunk], flags: list[list[bool]]) -> int:
    delivered = 0
    for chunk, active in zip(chunks, flags, strict=True):
        n = sum(active)
        delivered += n
        if n < len(active):
            FANOUT_SKIPPED_INACTIVE.inc(len(active) - n)
        if n and chunk.create_time_ns:
            FRESHNESS.labels("push").observe(max(0.0, time.time() - chunk.create_time_ns / 1e9))
    return delivered


class CacheFanout:
    """feedmesh.fanout, group <prefix>-fanout: the hot path. Pushes each chunk's post id into the Redis home
    timelines of its active followers, one server-side script call per chunk and one round trip per polled
    batch, without waiting for Cassandra: this is what makes a post visible."""

    def __init__(self, *, cache: TimelineCache):
        self.cache = cache

    async def deliver(self, chunks: list[FanoutChunk]) -> int:
        todo = [c for c in chunks if not c.cache_written]
        flags = await self.cache.push_home([(c.post_id, c.follower_ids) for c in todo])
        delivered = _observe_push(todo, flags)
        FANOUT_DELIVERIES.labels("redis").inc(delivered)
        FANOUT_TASKS.labels("cached").inc(len(todo))
        return delivered


class StoreFanout:
    """feedmesh.fanout, group <prefix>-fanout-store: the durable path, at its own pace. Writes the rows of every
    active follower into Cassandra's home_timeline, then pushes the chunk into Redis once more: a cache rebuilt
    from Cassandra between the hot push (which found no cache to write into) and this write would otherwise miss
    the post. The push is idempotent, so the usual case costs one cheap script call."""

    def __init__(self, *, cache: TimelineCache, store: TimelineStore, fault: FaultHook | None = None):
        self.cache = cache
        self.store = store
        self.fault = fault

    async def deliver(self, chunks: list[FanoutChunk]) -> int:
        followers = sorted({f for c in chunks for f in c.follower_ids})
        active = dict(zip(followers, await self.cache.active_readers(followers), strict=True))
        rows = [(f, c.post_id, c.author_id) for c in chunks for f in c.follower_ids if active[f]]
        if rows:
            await self.store.add_home(rows)
        if self.fault is not None:
            for chunk in chunks:
                await self.fault("stored", chunk)
        await self.cache.push_home([(c.post_id, c.follower_ids) for c in chunks])
        FANOUT_DELIVERIES.labels("cassandra").inc(len(rows))
        FANOUT_TASKS.labels("stored").inc(len(chunks))
        return len(rows)
