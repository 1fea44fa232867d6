"""The Kafka publisher against the real broker: concurrent batches are each acknowledged, every message lands once
and in its key's order, on the partition the other clients pick for its key, and a broker that cannot be reached
or a topic that does not exist fails a batch within the timeout instead of hanging."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from kafka.admin import NewTopic
from kafka.partitioner.default import murmur2

from services.common.kafka import KafkaPublisher, KafkaPublishError, OutgoingMessage
from stack.settings import StackSettings
from tests.integration.kafka_reading import read_all


async def test_concurrent_batches_all_land_once_in_key_order(stack_settings: StackSettings, kafka_admin: Any) -> None:
    topic = f"feedmesh.test-publisher-{uuid.uuid4().hex[:8]}"
    kafka_admin.create_topics([NewTopic(topic, 3, 1)])
    publisher = KafkaPublisher(stack_settings.kafka_bootstrap, client_id="test-publisher")
    keys, batches, per_batch = 7, 40, 25
    try:
        # Batch b carries sequence numbers b*per_batch.. for keys picked round robin; batches run all at once, and
        # the batches of one key are awaited one after the other per key group, like the outbox relay and the
        # consumers do (a key's next batch goes out only once the one before it is acknowledged).
        async def key_group(group: int) -> None:
            for b in range(group, batches, 4):
                await publisher.send_batch(
                    [
                        OutgoingMessage(topic, f"k{(b * per_batch + n) % keys}".encode(), f"{b}:{n}".encode())
                        for n in range(per_batch)
                    ]
                )

        await asyncio.wait_for(asyncio.gather(*(key_group(g) for g in range(4))), 30)
    finally:
        await publisher.close()

    records = await asyncio.to_thread(read_all, stack_settings, topic, 3)  # every batch is acknowledged
    values = [r.value.decode() for r in records]
    assert len(values) == batches * per_batch
    assert len(set(values)) == len(values)  # each once
    # A key's messages from one group are in the order they were sent: within a batch and across its batches.
    by_key: dict[bytes, list[tuple[int, int]]] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        b, n = map(int, r.value.decode().split(":"))
        by_key.setdefault(r.key, []).append((b, n))
    for seen in by_key.values():
        for group in range(4):
            sent = [(b, n) for b, n in seen if b % 4 == group]
            assert sent == sorted(sent)


async def test_an_unreachable_broker_fails_the_batch_within_the_timeout() -> None:
    publisher = KafkaPublisher("127.0.0.1:1", client_id="test-publisher-down", timeout_seconds=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(KafkaPublishError):
            await asyncio.wait_for(
                publisher.send_batch([OutgoingMessage("feedmesh.test", b"k", b"v")]),
                10,
            )
    finally:
        await publisher.close()
    assert time.monotonic() - started < 5


async def test_a_message_the_broker_refuses_fails_its_batch_at_once(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    """The batch is settled by its first failure, without waiting for the timeout; the publisher sends on after."""
    topic = f"feedmesh.test-publisher-{uuid.uuid4().hex[:8]}"
    kafka_admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"max.message.bytes": "2048"})])
    publisher = KafkaPublisher(stack_settings.kafka_bootstrap, client_id="test-publisher-refused", timeout_seconds=8)
    try:
        await publisher.send_batch([OutgoingMessage(topic, b"k", b"warm")])  # metadata fetched, connection up
        started = time.monotonic()
        with pytest.raises(KafkaPublishError):
            await publisher.send_batch(
                [OutgoingMessage(topic, b"k", b"small"), OutgoingMessage(topic, b"k", b"x" * 10_000)]
            )
        assert time.monotonic() - started < 4
        await publisher.send_batch([OutgoingMessage(topic, b"k", b"after")])
    finally:
        await publisher.close()


async def test_a_key_lands_on_the_partition_kafka_python_and_java_pick(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    """Producers of both clients write the same topics (the consumers' own dead letters, a service on another
    branch): a key's events stay in one partition, in order, only if both hash it alike."""
    topic = f"feedmesh.test-publisher-{uuid.uuid4().hex[:8]}"
    partitions = 5
    kafka_admin.create_topics([NewTopic(topic, partitions, 1)])
    publisher = KafkaPublisher(stack_settings.kafka_bootstrap, client_id="test-publisher-partitions")
    keys = [str(n).encode() for n in range(200)] + [b"", b"user:42", bytes(range(256))]
    try:
        await publisher.send_batch([OutgoingMessage(topic, key, b"v") for key in keys])
    finally:
        await publisher.close()
    records = await asyncio.to_thread(read_all, stack_settings, topic, partitions)
    assert sorted(r.key or b"" for r in records) == sorted(keys)
    assert {r.partition for r in records} == set(range(partitions))
    for r in records:
        assert r.partition == (murmur2(r.key or b"") & 0x7FFFFFFF) % partitions, r.key


async def test_a_topic_that_does_not_exist_fails_the_batch_within_the_timeout(stack_settings: StackSettings) -> None:
    publisher = KafkaPublisher(stack_settings.kafka_bootstrap, client_id="test-publisher-no-topic", timeout_seconds=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(KafkaPublishError):
            await asyncio.wait_for(
                publisher.send_batch([OutgoingMessage(f"feedmesh.test-missing-{uuid.uuid4().hex[:8]}", b"k", b"v")]),
                10,
            )
    finally:
        await publisher.close()
    assert time.monotonic() - started < 5
