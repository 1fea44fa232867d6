"""Delivering a planned fanout (domain.fanout_plan) through the ports: pushes into the Redis home timelines, the
notes of what is still in flight, and fanout tasks on the queue (adapters.kafka_events packs and routes them)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace

from services.timeline.app.metrics import (
    FANOUT_DELIVERIES,
    FANOUT_SKIPPED_INACTIVE,
    FANOUT_TASKS,
    FRESHNESS,
    POST_EVENT_STAGES,
)
from services.timeline.app.ports import FanoutQueue, PostsInFlight, Reach, Readers, TimelineCaches
from services.timeline.domain.delivery import by_audience
from services.timeline.domain.fanout_plan import Delivery, FanoutChunk, PagePlan, Publication, own_rows


async def push_home(timelines: TimelineCaches, chunks: list[FanoutChunk]) -> list[list[Reach]]:
    """Pushes chunks into the Redis home timelines, those with the same readers together. Returns, per chunk, what
    the push did for each of its readers."""
    groups = by_audience([(c.post_id, c.follower_ids) for c in chunks])
    replies = await timelines.push_home([(g.post_ids, g.readers) for g in groups])
    reached: list[list[Reach]] = [[] for _ in chunks]
    for group, reply in zip(groups, replies, strict=True):
        for position in group.chunks:
            reached[position] = reply
    return reached


def to_store(chunks: list[FanoutChunk], reached: list[list[Reach]]) -> list[FanoutChunk]:
    """The chunks pushed to a reader that had no cache: they stay in flight until their durable write (StoreFanout),
    which is where that reader's reads find them."""
    return [c for c, got in zip(chunks, reached, strict=True) if Reach.NOT_CACHED in got]


def in_flight_name(chunk: FanoutChunk) -> tuple[int, int, int]:
    """(post id, author id, first reader): how PostsInFlight names a chunk."""
    return chunk.post_id, chunk.author_id, chunk.follower_ids[0]


def observe_push(chunks: list[FanoutChunk], reached: list[list[Reach]]) -> int:
    """Counts a push's deliveries and skipped inactive readers, and its freshness; returns the deliveries."""
    delivered = 0
    for chunk, got in zip(chunks, reached, strict=True):
        written = got.count(Reach.WRITTEN)
        delivered += written
        if inactive := got.count(Reach.INACTIVE):
            FANOUT_SKIPPED_INACTIVE.inc(inactive)
        if written and chunk.create_time_ns:
            FRESHNESS.labels("push").observe(max(0.0, time.time() - chunk.create_time_ns / 1e9))
    return delivered


class FanoutBatch:
    """One author's batch of posts on its way out. The tasks go out while the next page of followers is listed and
    are still in flight when the fanout returns (`sent`): the events are done, and committed, only when every one is
    acknowledged. The author's own rows ride with the first send; `own_home` is the push into the author's own home
    timeline, running beside the listing of the followers."""

    def __init__(
        self, author_id: int, posts: Sequence[Publication], started: float, own_home: Awaitable[Reach] | None = None
    ):
        self.author_id = author_id
        self.post_ids = [p.post_id for p in posts]
        self.event_id = posts[0].event_id
        self.started = started
        self.sent: list[asyncio.Task[None]] = []
        self.own_unsent = own_rows(author_id, posts)
        self._own_home = own_home

    async def own_to_store(self) -> list[int]:
        """Once, on the first listing page: the author, when its own home timeline had no cache to push into (its
        own chunk then waits in flight for its durable write, like a follower's)."""
        own_home, self._own_home = self._own_home, None
        if own_home is not None and await own_home is Reach.NOT_CACHED:
            return [self.author_id]
        return []


@dataclass(kw_only=True)
class FanoutDelivery:
    """Carries out a batch's page plans, in the order exactness needs. The posts of one chunk of followers travel in
    one task."""

    timelines: TimelineCaches
    readers: Readers
    in_flight: PostsInFlight
    queue: FanoutQueue

    async def deliver(self, batch: FanoutBatch, plan: PagePlan) -> None:
        author_id, ids = batch.author_id, batch.post_ids
        if plan.delivery is Delivery.PULLED:
            # Pull-only from now on: readers merge this author's posts at read time.
            await self.readers.mark_pull_only(author_id)
            FANOUT_TASKS.labels("celebrity_skipped").inc(len(ids))
            own = await batch.own_to_store()
            await self.in_flight.chunks_in_flight(author_id, ids, [], more=False, to_store=own)  # nothing to push
            self._send(batch, [])
        elif plan.delivery is Delivery.INLINE:
            # Pushed into Redis here; the tasks still go out for the durable write, which the chunks pushed to a
            # reader with no cache wait for in flight (named before the tasks go out, like any chunk).
            pushed, waiting = await self._push_inline(plan.chunks)
            POST_EVENT_STAGES.labels("pushed").observe(time.perf_counter() - batch.started)
            waiting = sorted({*waiting, *await batch.own_to_store()})
            await self.in_flight.chunks_in_flight(author_id, ids, [], more=False, to_store=waiting)
            self._send(batch, pushed)
        else:
            # Named before the tasks go out, so that no chunk is pushed before it is named.
            own = await batch.own_to_store()
            await self.in_flight.chunks_in_flight(author_id, ids, plan.in_flight, more=plan.more, to_store=own)
            self._send(batch, plan.chunks)

    def _send(self, batch: FanoutBatch, chunks: list[FanoutChunk]) -> None:
        """Sends the chunks in one enqueue, with the author's own rows if they have not gone out yet."""
        if batch.own_unsent:
            FANOUT_TASKS.labels("cached_inline").inc(len(batch.own_unsent))
            chunks, batch.own_unsent = [*batch.own_unsent, *chunks], []
        if chunks:
            batch.sent.append(asyncio.create_task(self.queue.enqueue(chunks, batch.event_id)))
            FANOUT_TASKS.labels("enqueued").inc(len(chunks))

    async def _push_inline(self, chunks: list[FanoutChunk]) -> tuple[list[FanoutChunk], list[int]]:
        """The chunks, marked as written to Redis, and the first readers of those that wait for their durable write
        (every post of one audience is pushed in the same group, so they are named once for all the posts)."""
        reached = await push_home(self.timelines, chunks)
        FANOUT_DELIVERIES.labels("redis").inc(observe_push(chunks, reached))
        FANOUT_TASKS.labels("cached_inline").inc(len(chunks))
        waiting = sorted({c.follower_ids[0] for c in to_store(chunks, reached)})
        return [replace(c, cache_written=True) for c in chunks], waiting
