"""The consumer runtime's records: a confluent-kafka message becomes a `Record` with plain attributes, a poll's
records are grouped by partition in order, and partitions are keyed by TopicPartition whatever offset one carries."""

from __future__ import annotations

from confluent_kafka import Message, TopicPartition

from services.common.kafka_consumer.records import Record, batch_of, record_of


def test_a_message_becomes_a_record_with_every_field() -> None:
    headers: list[tuple[str, str | bytes | None]] = [
        ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    ]
    message = Message(
        topic="feedmesh.likes", partition=2, offset=41, key=b"user-7", value=b"event", headers=headers,
        timestamp=(1, 1_700_000_000_123),
    )  # fmt: skip
    record = record_of(message)
    assert (record.topic, record.partition, record.offset, record.key, record.value) == (
        "feedmesh.likes",
        2,
        41,
        b"user-7",
        b"event",
    )
    assert list(record.headers) == headers and record.timestamp == 1_700_000_000_123
    assert repr(record) == "Record(feedmesh.likes/2@41)"


def test_a_message_without_headers_key_or_value_has_none_of_them() -> None:
    record = record_of(Message(topic="t", partition=0, offset=0))
    assert (record.key, record.value, tuple(record.headers)) == (None, None, ())


def test_records_are_grouped_by_partition_in_the_order_they_came() -> None:
    records = [Record("a", 0, 5, None, b""), Record("a", 1, 9, None, b""), Record("a", 0, 6, None, b"")]
    records.append(Record("b", 0, 1, None, b""))
    batch = batch_of(records)
    assert {tp: [r.offset for r in part] for tp, part in batch.items()} == {
        TopicPartition("a", 0): [5, 6],
        TopicPartition("a", 1): [9],
        TopicPartition("b", 0): [1],
    }
    assert batch_of([]) == {}


def test_a_partition_is_one_key_whatever_offset_it_carries() -> None:
    """The runtime keys dicts and sets by the partitions librdkafka hands it (with offsets) and by its own (without):
    confluent-kafka must compare and hash them by topic and partition only."""
    held = {TopicPartition("a", 3): "held"}
    assert held.get(TopicPartition("a", 3, 17)) == "held"
    assert TopicPartition("a", 3, 17) in {TopicPartition("a", 3, -1001)}
    assert TopicPartition("a", 3) != TopicPartition("a", 4) and TopicPartition("a", 3) != TopicPartition("b", 3)
