"""The write path: what the timeline does with each post and graph event (at least once: every write here is
an idempotent upsert or delete, so a replayed event changes nothing)."""

from __future__ import annotations

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
from services.timeline.app.ports import FanoutChunk, FanoutQueue, Graph, StreamKind, TimelineCache, TimelineStore
from services.timeline.domain.delivery import chunked, is_celebrity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanoutPolicy:
    celebrity_threshold: int
    chunk_size: int = 500
    follower_page: int = 1000


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
    ):
        self.cache = cache
        self.store = store
        self.graph = graph
        self.queue = queue
        self.policy = policy

    async def published(self, event_id: str, post_id: int, author_id: int, create_time_ns: int) -> None:
        EVENTS.labels("post_published").inc()
        # The author's timeline first: backfills and pulls read it, and the push below relies on that order.
        await self.store.add_authored(author_id, post_id)
        await self.cache.add(StreamKind.AUTHOR, {author_id: [post_id]})
        await self.store.add_home([(author_id, post_id, author_id)])
        await self.cache.add(StreamKind.HOME, {author_id: [post_id]})
        if create_time_ns:
            FRESHNESS.labels("own").observe(max(0.0, time.time() - create_time_ns / 1e9))
        cursor = ""
        first = True
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
            if chunks:
                await self.queue.enqueue(chunks, event_id)
                FANOUT_TASKS.labels("enqueued").inc(len(chunks))
            if not cursor:
                return

    async def deleted(self, post_id: int, author_id: int) -> None:
        """Reads already drop deleted posts (the post service no longer returns them); this reclaims the author's
        timelines. Followers' home timelines keep the id until trimmed (see the service README)."""
        EVENTS.labels("post_deleted").inc()
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


class FanoutWorker:
    """feedmesh.fanout: writes a chunk's post id into every active follower's home timeline, durably first, then
    into the Redis caches in one round trip. The consumer commits only after this returns."""

    def __init__(self, *, cache: TimelineCache, store: TimelineStore, fault: FaultHook | None = None):
        self.cache = cache
        self.store = store
        self.fault = fault

    async def deliver(self, chunks: list[FanoutChunk]) -> int:
        followers = sorted({f for c in chunks for f in c.follower_ids})
        active = dict(zip(followers, await self.cache.active_readers(followers), strict=True))
        delivered = 0
        for chunk in chunks:
            targets = [f for f in chunk.follower_ids if active[f]]
            skipped = len(chunk.follower_ids) - len(targets)
            if skipped:
                FANOUT_SKIPPED_INACTIVE.inc(skipped)
            if not targets:
                continue
            await self.store.add_home([(f, chunk.post_id, chunk.author_id) for f in targets])
            if self.fault is not None:
                await self.fault("stored", chunk)
            await self.cache.add(StreamKind.HOME, {f: [chunk.post_id] for f in targets})
            delivered += len(targets)
            FANOUT_DELIVERIES.labels("cassandra").inc(len(targets))
            FANOUT_DELIVERIES.labels("redis").inc(len(targets))
            if chunk.create_time_ns:
                FRESHNESS.labels("push").observe(max(0.0, time.time() - chunk.create_time_ns / 1e9))
        FANOUT_TASKS.labels("done").inc(len(chunks))
        return delivered
