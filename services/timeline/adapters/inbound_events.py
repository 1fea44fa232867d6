"""The timeline's inbound Kafka events, decoded by the common consumer runtime (services.common.kafka_consumer)
and handed to the use cases: post events, graph events and fanout tasks."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from feedmesh.events.internal.v1 import events_pb2

from services.common.kafka_consumer import ConsumedEvent
from services.timeline.app.ingest import GraphEvents, PostEvents, Publication, all_of, forget_failure
from services.timeline.app.ports import FanoutChunk

Consumed = ConsumedEvent[events_pb2.Event]


async def _per_key(
    events: list[Consumed],
    handle: Callable[[Consumed], Awaitable[None]],
    *,
    independent: Callable[[Consumed], bool] = lambda consumed: False,
    together: Callable[[list[Consumed]], Awaitable[None]] | None = None,
) -> None:
    """Events with the same key in order, different keys concurrently (per-key order is all Kafka promises).
    Consecutive events of one key that are `independent` of each other are one step: handed to `together` in one
    call, or else run concurrently."""
    by_key: dict[bytes, list[Consumed]] = defaultdict(list)
    for consumed in events:
        by_key[consumed.key].append(consumed)

    async def step(group: list[Consumed]) -> None:
        if together is not None:
            await together(group)
        else:
            await asyncio.gather(*(handle(consumed) for consumed in group))

    async def run(group: list[Consumed]) -> None:
        pending: list[Consumed] = []
        for consumed in group:
            if independent(consumed):
                pending.append(consumed)
                continue
            if pending:
                await step(pending)
                pending = []
            await handle(consumed)
        if pending:
            await step(pending)

    await asyncio.gather(*(run(group) for group in by_key.values()))


def _ns(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


def _is_publication(consumed: Consumed) -> bool:
    return consumed.event.WhichOneof("payload") == "post_published"


class PostEventsConsumer:
    """feedmesh.posts: one author's events in order (they are keyed by author), authors concurrently. Returns the
    batch's durable remainder (PostEvents.make_visible) for a pipelined consumer."""

    def __init__(self, posts: PostEvents):
        self.posts = posts
        self._unfinished: set[asyncio.Future[None]] = set()  # the durable remainders of every batch not over yet

    async def __call__(self, events: list[Consumed]) -> Awaitable[None]:
        # An author's publications do not depend on each other (each writes its own post id): a burst of them runs
        # concurrently. A deletion waits for everything before it, and what follows waits for the deletion.
        remainders: list[asyncio.Future[None]] = []

        async def published(group: list[Consumed]) -> None:
            remainder = await self._published(group)
            self._unfinished.add(remainder)
            remainder.add_done_callback(self._unfinished.discard)
            remainders.append(remainder)

        try:
            await _per_key(events, self._one, independent=_is_publication, together=published)
        except BaseException:
            for remainder in remainders:  # the batch runs again; what it started finishes on its own
                remainder.add_done_callback(forget_failure)
            raise
        return asyncio.ensure_future(all_of(remainders))

    async def _published(self, group: list[Consumed]) -> asyncio.Future[None]:
        publications = []
        for consumed in group:
            event = consumed.event
            p = event.post_published
            publications.append(Publication(event.event_id, p.post_id, p.author_id, _ns(p.create_time)))
        return await self.posts.make_visible(publications)

    async def _one(self, consumed: Consumed) -> None:
        event = consumed.event
        kind = event.WhichOneof("payload")
        if kind == "post_published":
            p = event.post_published
            await self.posts.published(event.event_id, p.post_id, p.author_id, _ns(p.create_time))
        elif kind == "post_deleted":
            # It undoes what the publications before it wrote, in this batch or in an earlier one still
            # finishing: they must be over, and have passed (otherwise this fails too, and both run again).
            await all_of(list(self._unfinished))
            await self.posts.deleted(event.post_deleted.post_id, event.post_deleted.author_id)


class GraphEventsConsumer:
    """feedmesh.graph: one acting user's events in order (the key), users concurrently."""

    def __init__(self, graph: GraphEvents):
        self.graph = graph

    async def __call__(self, events: list[Consumed]) -> None:
        await _per_key(events, self._one)

    async def _one(self, consumed: Consumed) -> None:
        event = consumed.event
        kind = event.WhichOneof("payload")
        if kind == "user_followed":
            await self.graph.followed(event.user_followed.follower_id, event.user_followed.followee_id)
        elif kind == "user_unfollowed":
            await self.graph.unfollowed(event.user_unfollowed.follower_id, event.user_unfollowed.followee_id)
        elif kind == "user_blocked":
            await self.graph.blocked(event.user_blocked.blocker_id, event.user_blocked.blocked_id)


class FanoutConsumer:
    """feedmesh.fanout: one delivery per polled batch of tasks (the hot or the durable one)."""

    def __init__(self, deliver: Callable[[list[FanoutChunk]], Awaitable[int]]):
        self.deliver = deliver

    async def __call__(self, events: list[Consumed]) -> None:
        chunks = []
        for consumed in events:
            if consumed.event.WhichOneof("payload") == "fanout_task":
                chunks.extend(unpack_task(consumed.event.fanout_task))
        if chunks:
            await self.deliver(chunks)


def unpack_task(task: events_pb2.FanoutTask) -> list[FanoutChunk]:
    """A task's chunks, one per post (fanout_queue.task_event writes them); they share the one list of followers."""
    followers = list(task.follower_ids)
    first = FanoutChunk(task.post_id, task.author_id, _ns(task.create_time), followers, task.cache_written)
    more = [
        FanoutChunk(p.post_id, task.author_id, _ns(p.create_time), followers, task.cache_written)
        for p in task.more_posts
    ]
    return [first, *more]
