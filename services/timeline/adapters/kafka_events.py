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
from services.timeline.app.ingest import GraphEvents, PostEvents
from services.timeline.app.ports import FanoutChunk

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
) -> None:
    """Records with the same key in order, different keys concurrently (per-key order is all Kafka promises).
    Consecutive records of one key that are `independent` of each other run concurrently too, as one step."""
    by_key: dict[bytes, list[Any]] = defaultdict(list)
    for record in records:
        by_key[key(record)].append(record)

    async def run(group: list[Any]) -> None:
        step: list[Any] = []
        for record in group:
            if independent(record):
                step.append(record)
                continue
            if step:
                await asyncio.gather(*(handle(r) for r in step))
                step = []
            await handle(record)
        if step:
            await asyncio.gather(*(handle(r) for r in step))

    await asyncio.gather(*(run(group) for group in by_key.values()))


def _kind(event: events_pb2.Event | None) -> str | None:
    return event.WhichOneof("payload") if event is not None else None


def _ns(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


class PostEventsConsumer:
    """feedmesh.posts: one author's events in order (they are keyed by author), authors concurrently."""

    def __init__(self, posts: PostEvents):
        self.posts = posts

    async def __call__(self, records: list[Any]) -> None:
        # An author's publications do not depend on each other (each writes its own post id): a burst of them runs
        # concurrently. A deletion waits for everything before it, and what follows waits for the deletion.
        decoded = [(record, _decode(record)) for record in records]
        await _per_key(
            decoded,
            self._one,
            key=lambda pair: pair[0].key or b"",
            independent=lambda pair: _kind(pair[1]) == "post_published",
        )

    async def _one(self, pair: tuple[Any, events_pb2.Event | None]) -> None:
        _record, event = pair
        if event is not None:
            kind = event.WhichOneof("payload")
            if kind == "post_published":
                p = event.post_published
                await self.posts.published(event.event_id, p.post_id, p.author_id, _ns(p.create_time))
            elif kind == "post_deleted":
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
            task = event.fanout_task
            chunks.append(
                FanoutChunk(
                    task.post_id, task.author_id, _ns(task.create_time), list(task.follower_ids), task.cache_written
                )
            )
        if chunks:
            await self.deliver(chunks)


class KafkaFanoutQueue:
    """Produces fanout tasks: to `topic` (both fanout groups), or to `durable_topic` (the durable group only) when
    the chunk is already in Redis. The key is `<author id>-<first follower id>`: one post's chunks spread over the
    partitions, so several workers share a large fanout, while the same chunk of an author's next posts follows in
    the same partition, where a worker's batch groups them into one write per reader (order does not matter for
    idempotent deliveries)."""

    def __init__(self, publisher: KafkaPublisher, topic: str, durable_topic: str):
        self.publisher = publisher
        self.topic = topic
        self.durable_topic = durable_topic

    async def enqueue(self, chunks: Sequence[FanoutChunk], source_event_id: str) -> None:
        headers = [(k, v.encode()) for k, v in inject_context().items()]
        messages = []
        for chunk in chunks:
            first = chunk.follower_ids[0] if chunk.follower_ids else 0
            event = events_pb2.Event(event_id=f"{source_event_id}:{chunk.post_id}:{first}")
            event.occur_time.GetCurrentTime()
            task = event.fanout_task
            task.post_id = chunk.post_id
            task.author_id = chunk.author_id
            task.create_time.FromNanoseconds(chunk.create_time_ns)
            task.follower_ids.extend(chunk.follower_ids)
            task.cache_written = chunk.cache_written
            key = f"{chunk.author_id}-{first}".encode()
            topic = self.durable_topic if chunk.cache_written else self.topic
            messages.append(OutgoingMessage(topic, key, event.SerializeToString(), headers))
        await self.publisher.send_batch(messages)
