"""An event that keeps failing holds back its own partition, not every partition the consumer reads: on a real
broker, the other partitions' events are all handled and committed while it fails, nothing after it in its
partition runs ahead of it, and once it passes its partition catches up. With a dead-letter sink, an event that
keeps failing on its own while others pass is set aside there and its partition goes on; an outage (everything
fails) sets nothing aside.

Private topics and groups, so nothing else reads or writes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from services.common.kafka import API_VERSION, KafkaPublisher
from services.timeline.adapters.kafka_consumer import ConsumerRunner, dead_letter_sink
from stack.settings import StackSettings

PARTITIONS = 3
PER_PARTITION = 20


def _produce(bootstrap: str, topic: str) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=API_VERSION, acks="all")
    try:
        for n in range(PER_PARTITION):
            for p in range(PARTITIONS):
                producer.send(topic, key=b"k", value=str(n).encode(), partition=p)
        producer.flush(30)
    finally:
        producer.close()


def _committed(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    probe = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, api_version=API_VERSION)
    try:
        return {p: probe.committed(TopicPartition(topic, p)) or 0 for p in range(PARTITIONS)}
    finally:
        probe.close()


async def _eventually(predicate: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.1)
    return False


@contextlib.asynccontextmanager
async def _running(
    stack_settings: StackSettings,
    kafka_admin: Any,
    handler: Any,
    poison_after: int | None = None,
    max_records: int = 200,
    pipeline_depth: int = 0,
) -> AsyncIterator[tuple[str, str, str]]:
    """A runner over a fresh topic (with a dead-letter topic of its own when `poison_after` is given), the topic's
    events produced: yields (topic, dead-letter topic, group) while the runner runs."""
    name = uuid.uuid4().hex[:10]
    topic, dead, group = f"feedmesh.test-runner-{name}", f"feedmesh.test-dead-{name}", f"test-runner-{name}"
    kafka_admin.create_topics([NewTopic(topic, PARTITIONS, 1), NewTopic(dead, 1, 1)])
    bootstrap = stack_settings.kafka_bootstrap
    publisher = KafkaPublisher(bootstrap, client_id=f"{group}-dead")
    runner = ConsumerRunner(
        bootstrap=bootstrap,
        topics=[topic],
        group=group,
        handler=handler,
        loop=asyncio.get_running_loop(),
        member=f"{group}-0",
        retry_seconds=0.2,
        dead_letter=None if poison_after is None else dead_letter_sink(publisher, dead, group),
        poison_after=poison_after or 5,
        max_records=max_records,
        pipeline_depth=pipeline_depth,
    )
    runner.start()
    try:
        assert await runner.wait_assigned(30)
        await asyncio.to_thread(_produce, bootstrap, topic)
        yield topic, dead, group
    finally:
        await runner.stop()
        await publisher.close()


async def test_a_failing_event_holds_back_its_partition_only(stack_settings: StackSettings, kafka_admin: Any) -> None:
    bootstrap = stack_settings.kafka_bootstrap
    poison = (1, 5)  # (partition, sequence number): fails until cured
    cured = False
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(records: list[Any]) -> None:
        for r in records:
            if (r.partition, int(r.value)) == poison and not cured:
                raise RuntimeError("this event cannot be applied yet")
            handled[r.partition].append(int(r.value))

    async with _running(stack_settings, kafka_admin, handler) as (topic, _, group):
        healthy = [p for p in range(PARTITIONS) if p != poison[0]]
        assert await _eventually(lambda: all(len(handled[p]) >= PER_PARTITION for p in healthy))
        assert await _eventually(lambda: all(_committed(bootstrap, topic, group)[p] == PER_PARTITION for p in healthy))
        await asyncio.sleep(1.0)  # several retries of the poisoned partition
        assert _committed(bootstrap, topic, group)[poison[0]] <= poison[1]
        assert max(handled[poison[0]]) < poison[1], "an event ran ahead of the one before it in its partition"

        cured = True
        assert await _eventually(lambda: _committed(bootstrap, topic, group)[poison[0]] == PER_PARTITION)
    for p in range(PARTITIONS):
        # Redone batches repeat events, but each partition's events first ran in order and all of them ran.
        assert list(dict.fromkeys(handled[p])) == list(range(PER_PARTITION)), p


async def test_a_partition_held_back_in_the_middle_of_what_was_fetched_goes_on_after_the_retry(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    """Batches smaller than what one fetch brought: the client still holds the failed partition's later events
    when it is held back. kafka-python 3.0.12 parked those for a paused partition and, once it was resumed, could
    leave them parked and the partition unfetched for good (the timeline's posts group stopped on two partitions
    during a benchmark after graph calls timed out)."""
    bootstrap = stack_settings.kafka_bootstrap
    failed_once: set[tuple[int, int]] = set()
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(records: list[Any]) -> None:
        for r in records:
            event = (r.partition, int(r.value))
            if int(r.value) == 7 and event not in failed_once:  # a transient failure in each partition
                failed_once.add(event)
                raise RuntimeError("a dependency timed out")
            handled[r.partition].append(int(r.value))

    async with _running(stack_settings, kafka_admin, handler, max_records=3) as (topic, _, group):
        assert await _eventually(lambda: _all_committed(bootstrap, topic, group)), _committed(bootstrap, topic, group)
    for p in range(PARTITIONS):
        assert list(dict.fromkeys(handled[p])) == list(range(PER_PARTITION)), p


def _dead_letters(bootstrap: str, topic: str) -> list[Any]:
    probe = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        api_version=API_VERSION,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    try:
        return list(probe)
    finally:
        probe.close()


def _all_committed(bootstrap: str, topic: str, group: str) -> bool:
    return all(v == PER_PARTITION for v in _committed(bootstrap, topic, group).values())


async def test_an_event_that_fails_on_its_own_is_set_aside_and_its_partition_goes_on(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    bootstrap = stack_settings.kafka_bootstrap
    poison = (1, 5)
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(records: list[Any]) -> None:
        for r in records:
            if (r.partition, int(r.value)) == poison:
                raise ValueError("malformed event")
            handled[r.partition].append(int(r.value))

    async with _running(stack_settings, kafka_admin, handler, 3) as (topic, dead, group):
        assert await _eventually(lambda: _all_committed(bootstrap, topic, group)), _committed(bootstrap, topic, group)
    for p in range(PARTITIONS):
        expected = [n for n in range(PER_PARTITION) if (p, n) != poison]
        assert list(dict.fromkeys(handled[p])) == expected, p
    (letter,) = await asyncio.to_thread(_dead_letters, bootstrap, dead)
    headers = {k: v.decode() for k, v in letter.headers}
    assert letter.value == b"5" and letter.key == b"k"
    assert headers["dead-letter.topic"] == topic and headers["dead-letter.partition"] == "1"
    assert headers["dead-letter.offset"] == "5" and headers["dead-letter.group"] == group
    assert headers["dead-letter.error"] == "ValueError: malformed event"


async def test_an_outage_sets_nothing_aside(stack_settings: StackSettings, kafka_admin: Any) -> None:
    bootstrap = stack_settings.kafka_bootstrap
    down = True
    failures = 0
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(records: list[Any]) -> None:
        nonlocal failures
        if down:
            failures += 1
            raise ConnectionError("the store is unreachable")
        for r in records:
            handled[r.partition].append(int(r.value))

    async with _running(stack_settings, kafka_admin, handler, 2) as (topic, dead, group):
        assert await _eventually(lambda: failures >= 6 * PARTITIONS)  # every partition past the poison count
        assert set(_committed(bootstrap, topic, group).values()) == {0}
        down = False
        assert await _eventually(lambda: _all_committed(bootstrap, topic, group))
    for p in range(PARTITIONS):
        assert list(dict.fromkeys(handled[p])) == list(range(PER_PARTITION)), p
    assert await asyncio.to_thread(_dead_letters, bootstrap, dead) == []


async def test_a_pipelined_batch_is_committed_once_its_rest_is_over_and_a_failed_rest_runs_again(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    bootstrap = stack_settings.kafka_bootstrap
    poison = (1, 5)  # its rest fails until cured
    cured = False
    gate = asyncio.Event()  # every rest waits for it
    heads: list[tuple[int, int]] = []
    rests_done: set[tuple[int, int]] = set()

    async def rest(events: list[tuple[int, int]]) -> None:
        await gate.wait()
        if poison in events and not cured:
            raise RuntimeError("the durable write failed")
        rests_done.update(events)

    async def handler(records: list[Any]) -> Any:
        events = [(r.partition, int(r.value)) for r in records]
        heads.extend(events)
        return asyncio.ensure_future(rest(events))

    async with _running(stack_settings, kafka_admin, handler, max_records=4, pipeline_depth=3) as (topic, _, group):
        # Batches are handled ahead of their rests (up to the depth), and nothing is committed before its rest.
        assert await _eventually(lambda: len(heads) >= 8)
        await asyncio.sleep(0.5)
        assert len(heads) <= 4 * 4, "more batches unfinished than the pipeline depth allows"
        assert _committed(bootstrap, topic, group) == {p: 0 for p in range(PARTITIONS)}

        gate.set()
        healthy = [p for p in range(PARTITIONS) if p != poison[0]]
        assert await _eventually(lambda: all(_committed(bootstrap, topic, group)[p] == PER_PARTITION for p in healthy))
        await asyncio.sleep(1.0)  # the failed rest runs again, and again
        assert _committed(bootstrap, topic, group)[poison[0]] <= poison[1], "a commit passed a batch that failed"
        assert heads.count(poison) >= 2

        cured = True
        assert await _eventually(lambda: _committed(bootstrap, topic, group)[poison[0]] == PER_PARTITION)
    assert rests_done == {(p, n) for p in range(PARTITIONS) for n in range(PER_PARTITION)}
