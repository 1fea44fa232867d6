"""The fire-and-forget batching publisher against the real broker: what is offered arrives, in batches; with the
broker unreachable, offering stays instant, the event loop stays free, and what does not fit is dropped and
counted."""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from typing import Any

from kafka.admin import NewTopic

from services.common.kafka import KafkaPublisher, OutgoingMessage
from services.common.kafka_batcher import BatchingPublisher
from services.common.polling import wait_until
from stack.settings import StackSettings
from tests.integration.kafka_reading import read_all


async def test_offered_events_arrive_in_batches(stack_settings: StackSettings, kafka_admin: Any) -> None:
    topic = f"feedmesh.test-batcher-{uuid.uuid4().hex[:8]}"
    kafka_admin.create_topics([NewTopic(topic, 1, 1)])
    counts: collections.Counter[str] = collections.Counter()
    publisher = KafkaPublisher(stack_settings.kafka_bootstrap, client_id="test-batcher")
    batcher: BatchingPublisher[int] = BatchingPublisher(
        publisher=publisher,
        encode=lambda n: OutgoingMessage(topic, b"k", str(n).encode()),
        count=lambda outcome, n: counts.update({outcome: n}),
        batch_size=100,
        linger_seconds=0.05,
    )
    batcher.start()
    try:
        for start in range(0, 1000, 20):
            batcher.offer(list(range(start, start + 20)))
        await wait_until(lambda: counts["sent"] == 1000, what="1000 events sent", within=30)
    finally:
        await batcher.stop()
        await publisher.close()
    assert len(await asyncio.to_thread(read_all, stack_settings, topic, 1)) == 1000
    assert counts == {"sent": 1000}


async def test_an_unreachable_broker_costs_events_never_the_callers_time() -> None:
    counts: collections.Counter[str] = collections.Counter()
    publisher = KafkaPublisher("127.0.0.1:1", client_id="test-batcher-down", timeout_seconds=0.5)
    batcher: BatchingPublisher[int] = BatchingPublisher(
        publisher=publisher,
        encode=lambda n: OutgoingMessage("feedmesh.test", b"k", str(n).encode()),
        count=lambda outcome, n: counts.update({outcome: n}),
        max_pending=500,
        batch_size=100,
        linger_seconds=0.01,
    )
    batcher.start()
    slowest_offer = slowest_tick = 0.0
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            batcher.offer(list(range(50)))
            slowest_offer = max(slowest_offer, time.perf_counter() - started)
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            slowest_tick = max(slowest_tick, time.perf_counter() - started)
        await wait_until(lambda: counts["failed"] > 0, what="a batch failed", within=10)
    finally:
        await batcher.stop(drain_seconds=0.1)
        await publisher.close()
    assert slowest_offer < 0.005
    assert slowest_tick < 0.1  # the failing sends block a worker thread, not the event loop
    assert counts["dropped"] > 0 and counts["sent"] == 0
