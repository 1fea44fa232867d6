"""The common Kafka consumer runtime (services.common.kafka_consumer) on a real broker.

An event that keeps failing holds back its own partition, not every partition the consumer reads: the other
partitions' events are all handled and committed while it fails, nothing after it in its partition runs ahead of
it, and once it passes its partition catches up. With a dead-letter topic, an event that keeps failing on its own
while others pass is set aside there and its partition goes on; an outage (everything fails) sets nothing aside.
Records are decoded into the consumer's message type: one that cannot be decoded is set aside the same way, and
the handler gets the others decoded, with their key and the producer's trace context.

Private topics and groups, so nothing else reads or writes them. The events are `Int64Value`s numbered 0..19 in
each partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import cassandra.cluster
import pytest
from google.protobuf.wrappers_pb2 import Int64Value
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import REGISTRY

from services.common.kafka import API_VERSION, KafkaPublisher
from services.common.kafka_consumer import ConsumedEvent, DeadLetters, EventConsumer
from services.common.kafka_consumer import tracing as consumer_tracing
from services.common.polling import wait_for, wait_until
from stack.settings import StackSettings

PARTITIONS = 3
PER_PARTITION = 20
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"

Events = list[ConsumedEvent[Int64Value]]


def _number(partition: int, n: int) -> bytes:
    return Int64Value(value=n).SerializeToString()


def _produce(bootstrap: str, topic: str, value: Callable[[int, int], bytes] = _number) -> None:
    """PER_PARTITION events to each partition, `value(partition, n)` each, with a trace context."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=API_VERSION, acks="all")
    headers = [("traceparent", f"00-{TRACE_ID}-b7ad6b7169203331-01".encode())]
    try:
        for n in range(PER_PARTITION):
            for p in range(PARTITIONS):
                producer.send(topic, key=b"k", value=value(p, n), partition=p, headers=headers)
        producer.flush(30)
    finally:
        producer.close()


def _committed(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    probe = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, api_version=API_VERSION)
    try:
        return {p: probe.committed(TopicPartition(topic, p)) or 0 for p in range(PARTITIONS)}
    finally:
        probe.close()


@dataclass
class Run:
    """A consumer running over a fresh topic whose events were produced."""

    bootstrap: str
    topic: str
    dead: str  # its dead-letter topic
    group: str
    consumer: EventConsumer[Int64Value]

    def committed(self) -> dict[int, int]:
        return _committed(self.bootstrap, self.topic, self.group)

    async def committed_when(self, condition: Callable[[dict[int, int]], bool], what: str) -> dict[int, int]:
        """Waits until the group's committed offsets meet `condition`."""
        return await wait_for(lambda: asyncio.to_thread(self.committed), condition, what=what, within=30, interval=0.1)


@contextlib.asynccontextmanager
async def _running(
    stack_settings: StackSettings,
    kafka_admin: Any,
    handler: Any,
    poison_after: int | None = None,
    batch_size: int = 200,
    pipeline_depth: int = 0,
    members: int = 1,
    value: Callable[[int, int], bytes] = _number,
) -> AsyncIterator[Run]:
    """A consumer over a fresh topic (with a dead-letter topic of its own when `poison_after` is given), the topic's
    events produced, while the consumer runs."""
    name = uuid.uuid4().hex[:10]
    topic, dead, group = f"feedmesh.test-runner-{name}", f"feedmesh.test-dead-{name}", f"test-runner-{name}"
    kafka_admin.create_topics([NewTopic(topic, PARTITIONS, 1), NewTopic(dead, 1, 1)])
    bootstrap = stack_settings.kafka_bootstrap
    publisher = KafkaPublisher(bootstrap, client_id=f"{group}-dead")
    consumer = EventConsumer(
        bootstrap=bootstrap,
        service="test",
        topics=[topic],
        group=group,
        message=Int64Value,
        handler=handler,
        members=members,
        batch_size=batch_size,
        pipeline_depth=pipeline_depth,
        dead_letters=None if poison_after is None else DeadLetters(publisher, dead),
        poison_after=poison_after or 5,
        retry_seconds=0.2,
    )
    consumer.start()
    try:
        assert await consumer.wait_assigned(30)
        await asyncio.to_thread(_produce, bootstrap, topic, value)
        yield Run(bootstrap, topic, dead, group, consumer)
    finally:
        await consumer.stop()
        await publisher.close()


def _failed_batches(group: str) -> float:
    """What the runtime counted as failed batches of the group (the fanout-failure alert reads this counter)."""
    return REGISTRY.get_sample_value("feedmesh_test_consumer_batch_failures_total", {"group": group}) or 0.0


def _all_committed(committed: dict[int, int]) -> bool:
    return all(offset == PER_PARTITION for offset in committed.values())


async def test_a_failing_event_holds_back_its_partition_only(stack_settings: StackSettings, kafka_admin: Any) -> None:
    poison = (1, 5)  # (partition, event number): fails until cured
    cured = False
    attempts = 0  # at the poisoned event
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(events: Events) -> None:
        nonlocal attempts
        for e in events:
            if (e.partition, e.event.value) == poison and not cured:
                attempts += 1
                raise RuntimeError("this event cannot be applied yet")
            handled[e.partition].append(e.event.value)

    async with _running(stack_settings, kafka_admin, handler) as run:
        healthy = [p for p in range(PARTITIONS) if p != poison[0]]
        await wait_until(
            lambda: all(len(handled[p]) >= PER_PARTITION for p in healthy), what="the healthy partitions handled"
        )
        await run.committed_when(
            lambda c: all(c[p] == PER_PARTITION for p in healthy), "the healthy partitions committed"
        )
        await wait_until(lambda: attempts >= 5, what="several retries of the poisoned partition")
        assert run.committed()[poison[0]] <= poison[1]
        assert max(handled[poison[0]]) < poison[1], "an event ran ahead of the one before it in its partition"

        cured = True
        await run.committed_when(lambda c: c[poison[0]] == PER_PARTITION, "the cured partition committed")
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
    failed_once: set[tuple[int, int]] = set()
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(events: Events) -> None:
        for e in events:
            event = (e.partition, e.event.value)
            if e.event.value == 7 and event not in failed_once:  # a transient failure in each partition
                failed_once.add(event)
                raise RuntimeError("a dependency timed out")
            handled[e.partition].append(e.event.value)

    async with _running(stack_settings, kafka_admin, handler, batch_size=3) as run:
        await run.committed_when(_all_committed, "every partition committed")
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


async def test_an_event_that_fails_on_its_own_is_set_aside_and_its_partition_goes_on(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    poison = (1, 5)
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(events: Events) -> None:
        for e in events:
            if (e.partition, e.event.value) == poison:
                raise ValueError("malformed event")
            handled[e.partition].append(e.event.value)

    async with _running(stack_settings, kafka_admin, handler, 3) as run:
        await run.committed_when(_all_committed, "every partition committed")
    for p in range(PARTITIONS):
        expected = [n for n in range(PER_PARTITION) if (p, n) != poison]
        assert list(dict.fromkeys(handled[p])) == expected, p
    (letter,) = await asyncio.to_thread(_dead_letters, run.bootstrap, run.dead)
    headers = {k: v.decode() for k, v in letter.headers}
    assert letter.value == _number(*poison) and letter.key == b"k"
    assert headers["dead-letter.topic"] == run.topic and headers["dead-letter.partition"] == "1"
    assert headers["dead-letter.offset"] == "5" and headers["dead-letter.group"] == run.group
    assert headers["dead-letter.error"] == "ValueError: malformed event"


async def test_an_outage_sets_nothing_aside(stack_settings: StackSettings, kafka_admin: Any) -> None:
    down = True
    failures = 0
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(events: Events) -> None:
        nonlocal failures
        if down:
            failures += 1
            raise ConnectionError("the store is unreachable")
        for e in events:
            handled[e.partition].append(e.event.value)

    async with _running(stack_settings, kafka_admin, handler, 2) as run:
        # Every partition past the poison count.
        await wait_until(lambda: failures >= 6 * PARTITIONS, what="every partition failing past the poison count")
        assert set(run.committed().values()) == {0}
        assert 1 <= _failed_batches(run.group) <= failures
        down = False
        await run.committed_when(_all_committed, "every partition committed once the store is back")
    for p in range(PARTITIONS):
        assert list(dict.fromkeys(handled[p])) == list(range(PER_PARTITION)), p
    assert await asyncio.to_thread(_dead_letters, run.bootstrap, run.dead) == []


async def test_events_failing_on_a_store_outage_are_not_set_aside_while_others_pass(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    """A store is down: the events that need it fail, the others pass. The failing ones wait for the store (their
    partitions held), none goes to the dead-letter topic."""
    down = True
    failures = 0
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}

    async def handler(events: Events) -> None:
        nonlocal failures
        for e in events:
            if down and e.event.value % 4 == 3:  # needs the store
                failures += 1
                raise cassandra.cluster.NoHostAvailable("Unable to complete the operation against any hosts", {})
            handled[e.partition].append(e.event.value)

    async with _running(stack_settings, kafka_admin, handler, 2) as run:
        await wait_until(lambda: failures >= 8 * PARTITIONS, what="every partition failing past the poison count")
        assert all(committed <= 3 for committed in run.committed().values())
        down = False
        await run.committed_when(_all_committed, "every partition committed once the store is back")
    for p in range(PARTITIONS):
        assert list(dict.fromkeys(handled[p])) == list(range(PER_PARTITION)), p
    assert await asyncio.to_thread(_dead_letters, run.bootstrap, run.dead) == []


async def test_a_pipelined_batch_is_committed_once_its_rest_is_over_and_a_failed_rest_runs_again(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    depth = 3
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

    async def handler(consumed: Events) -> Any:
        events = [(e.partition, e.event.value) for e in consumed]
        heads.extend(events)
        return asyncio.ensure_future(rest(events))

    async with _running(stack_settings, kafka_admin, handler, batch_size=4, pipeline_depth=depth) as run:
        # Batches are handled ahead of their rests, up to the depth: the member then waits for its oldest batch,
        # and nothing is committed before its rest.
        (member,) = run.consumer.runners
        await wait_until(lambda: len(member.pipeline.unfinished) > depth, what="the member waiting, the pipeline full")
        assert len(heads) <= 4 * (depth + 1), "more batches unfinished than the pipeline depth allows"
        assert run.committed() == {p: 0 for p in range(PARTITIONS)}

        gate.set()
        healthy = [p for p in range(PARTITIONS) if p != poison[0]]
        await run.committed_when(
            lambda c: all(c[p] == PER_PARTITION for p in healthy), "the healthy partitions committed"
        )
        await wait_until(lambda: heads.count(poison) >= 3, what="the failed rest's batch run again, and again")
        assert run.committed()[poison[0]] <= poison[1], "a commit passed a batch that failed"
        assert _failed_batches(run.group) >= 1

        cured = True
        await run.committed_when(lambda c: c[poison[0]] == PER_PARTITION, "the cured partition committed")
    assert rests_done == {(p, n) for p in range(PARTITIONS) for n in range(PER_PARTITION)}


async def test_records_reach_the_handler_decoded_and_an_undecodable_one_is_set_aside(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    """Two members share the partitions; every record but one is an Int64Value."""
    garbage = (2, 5)
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}
    trace_ids: set[int] = set()

    async def handler(events: Events) -> None:
        for e in events:
            assert isinstance(e.event, Int64Value) and e.key == b"k" and e.topic.startswith("feedmesh.test-runner-")
            trace_ids.add(trace.get_current_span(e.trace_context).get_span_context().trace_id)
            handled[e.partition].append(e.event.value)

    def value(partition: int, n: int) -> bytes:
        return b"\xff not protobuf" if (partition, n) == garbage else _number(partition, n)

    async with _running(stack_settings, kafka_admin, handler, 2, members=2, value=value) as run:
        assert len(run.consumer.runners) == 2
        await run.committed_when(_all_committed, "every partition committed")
    for p in range(PARTITIONS):
        expected = [n for n in range(PER_PARTITION) if (p, n) != garbage]
        assert list(dict.fromkeys(handled[p])) == expected, p
    assert trace_ids == {int(TRACE_ID, 16)}
    (letter,) = await asyncio.to_thread(_dead_letters, run.bootstrap, run.dead)
    headers = {k: v.decode() for k, v in letter.headers}
    assert letter.value == b"\xff not protobuf"
    assert headers["dead-letter.partition"] == "2" and headers["dead-letter.offset"] == "5"
    assert headers["dead-letter.error"].startswith("UndecodableEvent: ")
    assert headers["traceparent"].startswith(f"00-{TRACE_ID}-")


async def test_a_sampled_producers_trace_goes_on_in_the_handler(
    stack_settings: StackSettings, kafka_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every event here comes with a sampled trace context: the handler runs inside a CONSUMER span that is a child
    of the producer's span, and the calls it makes join the producer's trace (docs/observability.md, Traces)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(0)))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(consumer_tracing, "_tracer", provider.get_tracer("test"))
    current: set[int] = set()

    async def handler(events: Events) -> None:
        current.add(trace.get_current_span().get_span_context().trace_id)

    async with _running(stack_settings, kafka_admin, handler) as run:
        await run.committed_when(_all_committed, "every partition committed")
    provider.shutdown()
    assert current == {int(TRACE_ID, 16)}
    spans = exporter.get_finished_spans()
    assert len(spans) >= PARTITIONS * PER_PARTITION  # one per event (a redone batch adds more)
    assert {s.kind for s in spans} == {trace.SpanKind.CONSUMER}
    assert {s.parent.span_id for s in spans if s.parent is not None} == {0xB7AD6B7169203331}
    assert {s.name for s in spans} == {f"{run.topic} process"}
