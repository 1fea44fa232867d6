"""Kafka payloads <-> the timeline's use cases: decoding feedmesh.events.v1.Event batches for the consumers, and
producing FanoutTask events to feedmesh.fanout and feedmesh.fanout.durable."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from feedmesh.events.v1 import events_pb2
from google.protobuf.message import DecodeError

from services.common.kafka import KafkaPublisher, OutgoingMessage
from services.common.telemetry import inject_context
from services.timeline.app.ingest import GraphEvents, PostEvents, Publication, all_of, forget_failure
from services.timeline.app.ports import FanoutChunk
from services.timeline.domain.delivery import MAX_POSTS_PER_PUSH

log = logging.getLogger(__name__)


def _decode(record: Any) -> events_pb2.Event | None:
    event = events_pb2.Event()
    try:
        event.ParseFromString(record.value or b"")
    except DecodeError:
        log.warning("undecodable event skipped", extra={"topic": record.topic, "offset": record.offset})
        return None
    return event


async def _per_key(
    records: list[Any],
    handle: Callable[[Any], Awaitable[None]],
    *,
    key: Callable[[Any], bytes] = lambda record: record.key or b"",
    independent: Callable[[Any], bool] = lambda record: False,
    together: Callable[[list[Any]], Awaitable[None]] | None = None,
) -> None:
    """Records with the same key in order, different keys concurrently (per-key order is all Kafka promises).
    Consecutive records of one key that are `independent` of each other are one step: handed to `together` in one
    call, or else run concurrently."""
    by_key: dict[bytes, list[Any]] = defaultdict(list)
    for record in records:
        by_key[key(record)].append(record)

    async def step(group: list[Any]) -> None:
        if together is not None:
            await together(group)
        else:
            await asyncio.gather(*(handle(r) for r in group))

    async def run(group: list[Any]) -> None:
        pending: list[Any] = []
        for record in group:
            if independent(record):
                pending.append(record)
                continue
            if pending:
                await step(pending)
                pending = []
            await handle(record)
        if pending:
            await step(pending)

    await asyncio.gather(*(run(group) for group in by_key.values()))


def _kind(event: events_pb2.Event | None) -> str | None:
    return event.WhichOneof("payload") if event is not None else None


def _ns(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


class PostEventsConsumer:
    """feedmesh.posts: one author's events in order (they are keyed by author), authors concurrently. Returns the
    batch's rest (PostEvents.make_visible) for a pipelined runner."""

    def __init__(self, posts: PostEvents):
        self.posts = posts
        self._unfinished: set[asyncio.Future[None]] = set()  # the rests of every batch not over yet

    async def __call__(self, records: list[Any]) -> Awaitable[None]:
        # An author's publications do not depend on each other (each writes its own post id): a burst of them runs
        # concurrently. A deletion waits for everything before it, and what follows waits for the deletion.
        decoded = [(record, _decode(record)) for record in records]
        rests: list[asyncio.Future[None]] = []

        async def published(pairs: list[tuple[Any, events_pb2.Event]]) -> None:
            rest = await self._published(pairs)
            self._unfinished.add(rest)
            rest.add_done_callback(self._unfinished.discard)
            rests.append(rest)

        try:
            await _per_key(
                decoded,
                self._one,
                key=lambda pair: pair[0].key or b"",
                independent=lambda pair: _kind(pair[1]) == "post_published",
                together=published,
            )
        except BaseException:
            for rest in rests:  # the batch runs again; what it started finishes on its own
                rest.add_done_callback(forget_failure)
            raise
        return asyncio.ensure_future(all_of(rests))

    async def _published(self, pairs: list[tuple[Any, events_pb2.Event]]) -> asyncio.Future[None]:
        publications = []
        for _record, event in pairs:
            p = event.post_published
            publications.append(Publication(event.event_id, p.post_id, p.author_id, _ns(p.create_time)))
        return await self.posts.make_visible(publications)

    async def _one(self, pair: tuple[Any, events_pb2.Event | None]) -> None:
        _record, event = pair
        if event is not None:
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

    async def __call__(self, records: list[Any]) -> None:
        await _per_key(records, self._one)

    async def _one(self, record: Any) -> None:
        event = _decode(record)
        if event is not None:
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

    async def __call__(self, records: list[Any]) -> None:
        chunks = []
        for record in records:
            event = _decode(record)
            if event is None or event.WhichOneof("payload") != "fanout_task":
                continue
            chunks.extend(unpack_task(event.fanout_task))
        if chunks:
            await self.deliver(chunks)


def unpack_task(task: events_pb2.FanoutTask) -> list[FanoutChunk]:
    """A task's chunks, one per post; they share the one list of followers."""
    followers = list(task.follower_ids)
    first = FanoutChunk(task.post_id, task.author_id, _ns(task.create_time), followers, task.cache_written)
    more = [
        FanoutChunk(p.post_id, task.author_id, _ns(p.create_time), followers, task.cache_written)
        for p in task.more_posts
    ]
    return [first, *more]


def pack_tasks(chunks: Sequence[FanoutChunk], max_posts: int = MAX_POSTS_PER_PUSH) -> list[list[FanoutChunk]]:
    """Chunks as tasks: those of one author for the same followers, with the same `cache_written`, travel together
    (at most `max_posts` in a task, what a push writes to a reader at once), in the order they were given."""
    groups: dict[tuple[int, bool, tuple[int, ...]], list[FanoutChunk]] = {}
    for chunk in chunks:
        groups.setdefault((chunk.author_id, chunk.cache_written, tuple(chunk.follower_ids)), []).append(chunk)
    return [group[start : start + max_posts] for group in groups.values() for start in range(0, len(group), max_posts)]


class KafkaFanoutQueue:
    """Produces fanout tasks (`pack_tasks`): to `topic` (both fanout groups), or to `durable_topic` (the durable
    group only) when the chunk is already in Redis. The key is `<author id>-<first follower id>`: one post's chunks
    spread over the partitions, so several workers share a large fanout, while the same chunk of an author's next
    posts follows in the same partition, where a worker's batch groups them into one write per reader (order does
    not matter for idempotent deliveries)."""

    def __init__(self, publisher: KafkaPublisher, topic: str, durable_topic: str):
        self.publisher = publisher
        self.topic = topic
        self.durable_topic = durable_topic

    async def enqueue(self, chunks: Sequence[FanoutChunk], source_event_id: str) -> None:
        headers = [(k, v.encode()) for k, v in inject_context().items()]
        messages = []
        for task_chunks in pack_tasks(chunks):
            chunk = task_chunks[0]
            key = f"{chunk.author_id}-{_first_follower(chunk)}".encode()
            topic = self.durable_topic if chunk.cache_written else self.topic
            event = task_event(task_chunks, source_event_id)
            messages.append(OutgoingMessage(topic, key, event.SerializeToString(), headers))
        await self.publisher.send_batch(messages)


def task_event(chunks: Sequence[FanoutChunk], source_event_id: str) -> events_pb2.Event:
    """One task of `pack_tasks` as an event (`unpack_task` reads it back)."""
    chunk = chunks[0]
    event = events_pb2.Event(event_id=f"{source_event_id}:{chunk.post_id}:{_first_follower(chunk)}")
    event.occur_time.GetCurrentTime()
    task = event.fanout_task
    task.post_id = chunk.post_id
    task.author_id = chunk.author_id
    task.create_time.FromNanoseconds(chunk.create_time_ns)
    task.follower_ids.extend(chunk.follower_ids)
    task.cache_written = chunk.cache_written
    for more in chunks[1:]:
        post = task.more_posts.add(post_id=more.post_id)
        post.create_time.FromNanoseconds(more.create_time_ns)
    return event


def _first_follower(chunk: FanoutChunk) -> int:
    return chunk.follower_ids[0] if chunk.follower_ids else 0
