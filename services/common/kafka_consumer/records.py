"""What the consumer runtime hands around: `Record`, one consumed Kafka message as plain attributes, and `Batch`,
one poll's records by partition.

confluent-kafka's `Message` answers through methods and returns new objects on each call; a `Record` reads each
field once, so the runtime, the decoder and the dead-letter sink share one cheap, attribute-style type (and tests
can build records without a broker). Partitions are keyed by confluent's `TopicPartition`, whose equality and hash
are its topic and partition only, not its offset (confluent-kafka 2.x; a unit test holds it to that), so a
partition from a rebalance callback, from `assignment()` and from a batch are one key.
"""

from __future__ import annotations

from collections.abc import Sequence

from confluent_kafka import Message, TopicPartition

Batch = dict[TopicPartition, list["Record"]]
"""One poll's records, by partition, each partition's in offset order."""


class Record:
    """One consumed Kafka message."""

    __slots__ = ("headers", "key", "offset", "partition", "timestamp", "topic", "value")

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
        timestamp: int = -1,
    ):
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
        """Milliseconds since the epoch (the producer's or the broker's clock), -1 when the message has none."""

    def __repr__(self) -> str:
        return f"Record({self.topic}/{self.partition}@{self.offset})"


def record_of(message: Message) -> Record:
    """A message without an error as a Record."""
    _, timestamp = message.timestamp()
    return Record(
        message.topic(),  # type: ignore[arg-type]  # set on every consumed message
        message.partition(),  # type: ignore[arg-type]
        message.offset(),  # type: ignore[arg-type]
        message.key(),
        message.value(),
        message.headers() or (),  # type: ignore[arg-type]  # consumed headers are a list of (str, bytes | None)
        timestamp,
    )


def batch_of(records: Sequence[Record]) -> Batch:
    """The records by partition, in the order they came (Kafka hands a partition's messages in offset order)."""
    by_place: dict[tuple[str, int], list[Record]] = {}
    for record in records:
        place = (record.topic, record.partition)
        part = by_place.get(place)
        if part is None:
            by_place[place] = [record]
        else:
            part.append(record)
    return {TopicPartition(topic, partition): part for (topic, partition), part in by_place.items()}
