"""Reading what services published to Kafka, for tests: where a topic ends now, and a plain consumer (no group,
no commits) to read from there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from feedmesh.events.internal.v1 import events_pb2
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from services.common.kafka import API_VERSION
from services.common.polling import wait_for_sync, wait_until_sync
from stack.settings import StackSettings


def reader(settings: StackSettings) -> Any:
    return KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        api_version=API_VERSION,
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )


def keyed_events(
    settings: StackSettings,
    start: dict[TopicPartition, int],
    key: int,
    done: Callable[[list[events_pb2.Event]], bool],
    *,
    what: str,
    within: float,
) -> list[events_pb2.Event]:
    """The events with this message key after `start`, deduplicated by event id (delivery is at least once), in log
    order; read until `done` says they are enough."""
    consumer = reader(settings)
    wanted = str(key).encode()
    seen: set[str] = set()
    found: list[events_pb2.Event] = []

    def read_more() -> list[events_pb2.Event]:
        for records in consumer.poll(timeout_ms=200).values():
            for record in records:
                if record.key != wanted:
                    continue
                event = events_pb2.Event.FromString(record.value)
                if event.event_id not in seen:
                    seen.add(event.event_id)
                    found.append(event)
        return found

    try:
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        wait_for_sync(read_more, done, what=what, within=within, interval=0)
    finally:
        consumer.close()
    return found


def end_offsets(settings: StackSettings, topic: str) -> dict[TopicPartition, int]:
    """The offset after the last message of every partition of `topic`: read from here to see only new events."""
    consumer = reader(settings)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return dict(consumer.end_offsets(partitions))
    finally:
        consumer.close()


def group_lag(settings: StackSettings, group: str, topic: str) -> int:
    """Messages of `topic` the group has not committed (a consumer that never joins the group reads them)."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False, api_version=API_VERSION
    )
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(parts)
        return sum(max(0, ends[tp] - (consumer.committed(tp) or 0)) for tp in parts)
    finally:
        consumer.close(autocommit=False)


def rewind_group(settings: StackSettings, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commits these offsets for the group (none of its members may be running): it reads again from there."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False, api_version=API_VERSION
    )
    try:
        consumer.assign(list(offsets))
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
    finally:
        consumer.close(autocommit=False)


def read_all(settings: StackSettings, topic: str, partitions: int) -> list[Any]:
    """Every record of the topic, up to its end offsets as they are when called."""
    consumer = reader(settings)
    try:
        parts = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        got: list[Any] = []

        def read_to_the_ends() -> bool:
            for records in consumer.poll(timeout_ms=500).values():
                got.extend(records)
            return all(consumer.position(part) >= end for part, end in ends.items())

        wait_until_sync(read_to_the_ends, what=f"{topic} read up to {ends}", within=30, interval=0)
        return got
    finally:
        consumer.close()
