"""The timeline's outbound Kafka events: fanout tasks (the FanoutQueue port) produced to feedmesh.fanout and
feedmesh.fanout.durable; inbound_events.FanoutConsumer reads them back."""

from __future__ import annotations

from collections.abc import Sequence

from feedmesh.events.internal.v1 import events_pb2

from services.common.kafka import KafkaPublisher, OutgoingMessage
from services.common.telemetry import inject_context
from services.timeline.app.ports import FanoutChunk
from services.timeline.domain.delivery import MAX_POSTS_PER_PUSH


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
    """One task of `pack_tasks` as an event (inbound_events.unpack_task reads it back)."""
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
