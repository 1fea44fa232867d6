"""A relay with a linger publishes a stream of events (one per transaction, each notifying it) in a few batches, and
with no retention deletes each row as it publishes it: every event in Kafka once, no row left behind."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from feedmesh.events.v1 import events_pb2
from kafka import TopicPartition
from kafka.admin import NewTopic

from services.common.kafka import KafkaPublisher, OutgoingMessage
from services.common.outbox import OutboxRelay, enqueue_event
from services.common.polling import wait_until
from stack.settings import StackSettings
from tests.integration.kafka_reading import end_offsets

EVENTS = 20


class CountingPublisher(KafkaPublisher):
    """The real publisher, counting its Kafka sends."""

    sends = 0

    async def send_batch(self, messages: Sequence[OutgoingMessage]) -> None:
        self.sends += 1
        await super().send_batch(messages)


async def test_a_stream_of_events_goes_out_in_batches_and_leaves_no_row(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    name = uuid.uuid4().hex[:8]
    producer, topic = f"test-linger-{name}", f"feedmesh.test-outbox-{name}"
    kafka_admin.create_topics([NewTopic(topic, 1, 1)])
    pool = await asyncpg.create_pool(stack_settings.pg_dsn, min_size=1, max_size=3)
    publisher = CountingPublisher(stack_settings.kafka_bootstrap, client_id=f"test-linger-{name}")
    relay = OutboxRelay(pool, publisher, producer, idle_poll_seconds=0.05, keep_sent_seconds=0, linger_seconds=0.2)
    try:
        relay.start()
        async with pool.acquire() as conn:
            for n in range(EVENTS):
                async with conn.transaction():
                    await enqueue_event(conn, producer=producer, topic=topic, key=n, event=events_pb2.Event())

            async def all_published() -> bool:
                return await conn.fetchval("SELECT count(*) FROM outbox WHERE producer = $1", producer) == 0

            await wait_until(all_published, what="every event published and its row deleted", within=10, interval=0.05)
        assert end_offsets(stack_settings, topic) == {TopicPartition(topic, 0): EVENTS}
        assert publisher.sends <= 3, f"{EVENTS} events in {publisher.sends} Kafka sends"
    finally:
        await relay.stop()
        await publisher.close()
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM outbox WHERE producer = $1", producer)
        await pool.close()
