"""Feed impressions to Kafka (topic feedmesh.impressions, keyed by viewer), fire and forget through the shared
batching publisher (services.common.kafka_batcher): encoded in its background task, off the request path."""

from __future__ import annotations

from collections.abc import Sequence

from feedmesh.events.internal.v1 import events_pb2

from services.common.kafka import OutgoingMessage
from services.common.kafka_batcher import BatchingPublisher
from services.timeline.domain.impressions import Impression


def impression_message(topic: str, impression: Impression) -> OutgoingMessage:
    # Deterministic: a page's impression sent twice (a retried batch) is recognisably the same.
    event = events_pb2.Event(event_id=f"{impression.page_id}:{impression.position}")
    event.occur_time.FromNanoseconds(impression.served_at_ns)
    shown = event.feed_impression
    shown.viewer_id = impression.viewer_id
    shown.post_id = impression.post_id
    shown.author_id = impression.author_id
    shown.position = impression.position
    shown.mode = impression.mode
    shown.model_version = impression.model_version
    shown.experiment = impression.experiment
    shown.page_id = impression.page_id
    shown.post_create_time.FromNanoseconds(impression.post_create_time_ns)
    shown.has_media = impression.has_media
    shown.score = impression.score
    return OutgoingMessage(topic, str(impression.viewer_id).encode(), event.SerializeToString())


class KafkaImpressionLog:
    """Implements app.ports.ImpressionLog."""

    def __init__(self, batcher: BatchingPublisher[Impression]):
        self.batcher = batcher

    def log(self, impressions: Sequence[Impression]) -> None:
        self.batcher.offer(impressions)
