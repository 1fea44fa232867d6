"""Reading a post's engagement events back from Kafka (feedmesh.engagement, keyed by post)."""

from __future__ import annotations

from feedmesh.events.v1 import events_pb2
from kafka import TopicPartition

from services.common.polling import wait_for_sync
from stack.settings import StackSettings
from tests.integration.kafka_reading import end_offsets, reader

TOPIC = "feedmesh.engagement"


def topic_end(settings: StackSettings) -> dict[TopicPartition, int]:
    """Where the topic ends now: read from here to see only later events."""
    return end_offsets(settings, TOPIC)


def post_events(settings: StackSettings, start: dict[TopicPartition, int], post_id: int, want: int) -> list[str]:
    """The kinds of the post's events after `start` (`post_liked`, ...), deduplicated by event id, in log order;
    waits until there are `want` of them."""
    consumer = reader(settings)
    key = str(post_id).encode()
    seen: set[str] = set()
    kinds: list[str] = []

    def read_more() -> list[str]:
        for records in consumer.poll(timeout_ms=200).values():
            for record in records:
                event = events_pb2.Event.FromString(record.value)
                if record.key == key and event.event_id not in seen:
                    seen.add(event.event_id)
                    kinds.append(str(event.WhichOneof("payload")))
        return kinds

    try:
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        what = f"{want} events of post {post_id}"
        wait_for_sync(read_more, lambda k: len(k) >= want, what=what, within=10, interval=0)
    finally:
        consumer.close()
    return kinds
