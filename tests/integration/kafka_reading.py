"""Reading what services published to Kafka, for tests: where a topic ends now, and a plain consumer (no group,
no commits) to read from there."""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.common.kafka import API_VERSION
from stack.settings import StackSettings


def reader(settings: StackSettings) -> Any:
    return KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        api_version=API_VERSION,
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )


def end_offsets(settings: StackSettings, topic: str) -> dict[TopicPartition, int]:
    """The offset after the last message of every partition of `topic`: read from here to see only new events."""
    consumer = reader(settings)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return dict(consumer.end_offsets(partitions))
    finally:
        consumer.close()
