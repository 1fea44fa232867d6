"""Reading a post's engagement events back from Kafka (feedmesh.engagement, keyed by post)."""

from __future__ import annotations

from kafka import TopicPartition

from stack.settings import StackSettings
from tests.integration.kafka_reading import end_offsets, keyed_events

TOPIC = "feedmesh.engagement"


def topic_end(settings: StackSettings) -> dict[TopicPartition, int]:
    """Where the topic ends now: read from here to see only later events."""
    return end_offsets(settings, TOPIC)


def post_events(settings: StackSettings, start: dict[TopicPartition, int], post_id: int, want: int) -> list[str]:
    """The kinds of the post's events after `start` (`post_liked`, ...), in log order, once there are `want`."""
    events = keyed_events(
        settings, start, post_id, lambda found: len(found) >= want, what=f"{want} events of post {post_id}", within=10
    )
    return [str(e.WhichOneof("payload")) for e in events]
