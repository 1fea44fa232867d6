"""Sent outbox rows are deleted once past their retention, oldest first, and nothing unsent or recent is touched;
the relay does it by itself, or deletes each row as it publishes it when there is no retention. Each test uses a
producer name of its own, so other rows are never in the way."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from feedmesh.events.internal.v1 import events_pb2
from kafka import TopicPartition
from kafka.admin import NewTopic

from services.common.kafka import KafkaPublisher, OutgoingMessage
from services.common.outbox import OutboxRelay, enqueue_event, prune_sent
from services.common.polling import wait_until
from stack.settings import StackSettings
from tests.integration.kafka_reading import end_offsets

EVENTS = 20


async def _row(conn: asyncpg.Connection, producer: str, sent_seconds_ago: float | None) -> int:
    sent = "NULL" if sent_seconds_ago is None else f"now() - make_interval(secs => {sent_seconds_ago})"
    return int(
        await conn.fetchval(
            "INSERT INTO outbox (producer, topic, msg_key, payload, sent_at)"
            f" VALUES ($1, 'feedmesh.test', '1', '', {sent}) RETURNING id",
            producer,
        )
    )


async def _ids(conn: asyncpg.Connection, producer: str) -> set[int]:
    return {r["id"] for r in await conn.fetch("SELECT id FROM outbox WHERE producer = $1", producer)}


async def test_only_rows_sent_before_the_retention_go_oldest_first(pg_conn: Any) -> None:
    producer = f"test-prune-{uuid.uuid4().hex[:8]}"
    try:
        oldest = await _row(pg_conn, producer, 7_200)
        old = [await _row(pg_conn, producer, 5_000 - n) for n in range(3)]
        recent = await _row(pg_conn, producer, 10)
        unsent = await _row(pg_conn, producer, None)

        assert await prune_sent(pg_conn, producer, 3_600, limit=2) == 2
        assert await _ids(pg_conn, producer) == {*old[1:], recent, unsent}
        assert await prune_sent(pg_conn, producer, 3_600, limit=100) == 2
        assert await _ids(pg_conn, producer) == {recent, unsent}
        assert await prune_sent(pg_conn, producer, 3_600, limit=100) == 0
        assert oldest not in await _ids(pg_conn, producer)
    finally:
        await pg_conn.execute("DELETE FROM outbox WHERE producer = $1", producer)


class CountingPublisher(KafkaPublisher):
    """The real publisher, counting its Kafka sends."""

    sends = 0

    async def send_batch(self, messages: Sequence[OutgoingMessage]) -> None:
        self.sends += 1
        await super().send_batch(messages)


@dataclass
class RelayUnderTest:
    relay: OutboxRelay
    publisher: CountingPublisher
    pool: asyncpg.Pool
    producer: str
    topic: str


@contextlib.asynccontextmanager
async def relay_of_its_own(
    stack_settings: StackSettings, kafka_admin: Any, **options: Any
) -> AsyncIterator[RelayUnderTest]:
    """A relay of a producer of its own, on a topic of its own (its rows deleted at the end), not started."""
    name = uuid.uuid4().hex[:8]
    producer, topic = f"test-relay-{name}", f"feedmesh.test-outbox-{name}"
    kafka_admin.create_topics([NewTopic(topic, 1, 1)])
    pool = await asyncpg.create_pool(stack_settings.pg_dsn, min_size=1, max_size=3)
    publisher = CountingPublisher(stack_settings.kafka_bootstrap, client_id=f"test-relay-{name}")
    relay = OutboxRelay(pool, publisher, producer, idle_poll_seconds=0.05, **options)
    try:
        yield RelayUnderTest(relay, publisher, pool, producer, topic)
    finally:
        await relay.stop()
        await publisher.close()
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM outbox WHERE producer = $1", producer)
        await pool.close()


async def test_the_relay_prunes_what_it_sent(stack_settings: StackSettings, kafka_admin: Any) -> None:
    async with relay_of_its_own(stack_settings, kafka_admin, keep_sent_seconds=1, prune_every_seconds=0.1) as t:
        async with t.pool.acquire() as conn:
            kept = await _row(conn, t.producer, None)  # sent "in an hour": inside any retention, it must stay
            await conn.execute("UPDATE outbox SET sent_at = now() + interval '1 hour' WHERE id = $1", kept)
            await enqueue_event(conn, producer=t.producer, topic=t.topic, key=1, event=events_pb2.Event())
        t.relay.start()
        async with t.pool.acquire() as conn:

            async def only_kept_left() -> bool:  # the event published, then pruned once a second old
                return await _ids(conn, t.producer) == {kept}

            await wait_until(only_kept_left, what="the sent event pruned by the relay", within=10, interval=0.05)


async def test_a_stream_of_events_goes_out_in_batches_and_leaves_no_row(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    """With a linger, a stream of events (one per transaction, each notifying the relay) goes out in a few batches;
    with no retention, each row is deleted as it is published: every event in Kafka once, no row left behind."""
    async with relay_of_its_own(stack_settings, kafka_admin, keep_sent_seconds=0, linger_seconds=0.2) as t:
        t.relay.start()
        async with t.pool.acquire() as conn:
            for n in range(EVENTS):
                async with conn.transaction():
                    await enqueue_event(conn, producer=t.producer, topic=t.topic, key=n, event=events_pb2.Event())

            async def all_published() -> bool:
                return not await _ids(conn, t.producer)

            await wait_until(all_published, what="every event published and its row deleted", within=10, interval=0.05)
        assert end_offsets(stack_settings, t.topic) == {TopicPartition(t.topic, 0): EVENTS}
        assert t.publisher.sends <= 3, f"{EVENTS} events in {t.publisher.sends} Kafka sends"
