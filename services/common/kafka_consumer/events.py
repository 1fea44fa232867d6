"""A service's Kafka consumer: `EventConsumer` runs the members of one consumer group in this process, decodes each
record's value into the protobuf message type it is given, and hands the handler batches of `ConsumedEvent`s (the
event, its key and where it came from, and the producer's trace context), committing only after the handler
returned: at least once, one key's events in order. A record that cannot be decoded takes the poison route (to the
dead-letter topic, when one is given). What happens on failures is in runner.py, poison.py and pipeline.py; how a
sampled trace goes on into the handler, in tracing.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from google.protobuf.message import DecodeError, Message
from opentelemetry.context import Context

from services.common.kafka import KafkaPublisher
from services.common.kafka_consumer.metrics import consumer_metrics
from services.common.kafka_consumer.poison import PoisonEvent, dead_letter_sink
from services.common.kafka_consumer.runner import ConsumerRunner, RecordHandler
from services.common.kafka_consumer.tracing import process_spans, traced
from services.common.telemetry import extract_context

E = TypeVar("E", bound=Message)


@dataclass(frozen=True, slots=True)
class ConsumedEvent(Generic[E]):
    """One record, decoded: the event, its key, where it came from and its headers."""

    event: E
    key: bytes
    topic: str
    partition: int
    offset: int
    headers: Sequence[tuple[str, bytes]]

    @property
    def trace_context(self) -> Context:
        """The producer's trace context (its `traceparent` header): attach it to carry on the producer's trace."""
        return extract_context(self.headers)


EventHandler = Callable[[list[ConsumedEvent[E]]], Awaitable[Awaitable[None] | None]]
"""Handles a batch of events; returns None when done, or the batch's rest, still running (with `pipeline_depth`)."""


class UndecodableEvent(PoisonEvent):
    """A record's value is not a serialized message of the consumer's type: it can never pass."""


def decode(records: Sequence[Any], message: type[E]) -> list[ConsumedEvent[E]]:
    """kafka-python records as events of type `message`; raises UndecodableEvent for the first that is not one."""
    events = []
    for record in records:
        event = message()
        try:
            event.ParseFromString(record.value or b"")
        except DecodeError as exc:
            where = f"{record.topic}/{record.partition}@{record.offset}"
            raise UndecodableEvent(f"{where} is not a {message.DESCRIPTOR.full_name}: {exc}") from exc
        events.append(
            ConsumedEvent(event, record.key or b"", record.topic, record.partition, record.offset, record.headers or ())
        )
    return events


def _decoding(handler: EventHandler[E], message: type[E], group: str) -> RecordHandler:
    async def handle(records: list[Any]) -> Awaitable[None] | None:
        events = decode(records, message)
        spans = process_spans(events, group)
        if not spans:
            return await handler(events)
        return await traced(spans, handler(events))

    return handle


@dataclass(frozen=True)
class PerMember(Generic[E]):
    """A handler of its own for each member, made by `new`: for handlers that keep state or a connection per member."""

    new: Callable[[], EventHandler[E]]


@dataclass(frozen=True)
class DeadLetters:
    """Where poison events go: `topic`, sent through `publisher` (the service owns and closes it)."""

    publisher: KafkaPublisher
    topic: str


class EventConsumer(Generic[E]):
    """`members` members of consumer group `group`, reading `topics`. Each member runs on its own thread with its own
    share of the partitions and handles a polled batch (up to `batch_size` records) before it polls the next: with
    several, a slow batch holds back only its member's partitions. With `pipeline_depth` > 0 a handler may return
    the rest of its batch still running, and the member goes on with up to that many batches unfinished.

    Knobs: `offset_reset` ("earliest" or "latest": where a new group starts); `fetch_min_bytes` and
    `fetch_max_wait_ms` (the broker answers a fetch once it has that many bytes, or after that long: for fewer,
    larger batches); `poison_after` (failed rounds from the same offset before events are tried one at a time),
    `retry_seconds` (how long a failed partition is held back); `name` (members are `<name>-<n>`; the group's name
    by default). Metrics are named after `service`. Construct it in async code (it runs handlers on this loop)."""

    def __init__(
        self,
        *,
        bootstrap: str,
        service: str,
        topics: Sequence[str],
        group: str,
        message: type[E],
        handler: EventHandler[E] | PerMember[E],
        members: int = 1,
        batch_size: int = 200,
        pipeline_depth: int = 0,
        dead_letters: DeadLetters | None = None,
        poison_after: int = 5,
        offset_reset: str = "earliest",
        fetch_min_bytes: int = 1,
        fetch_max_wait_ms: int = 500,
        retry_seconds: float = 1.0,
        name: str | None = None,
    ):
        if members < 1 or batch_size < 1 or poison_after < 1 or pipeline_depth < 0:
            raise ValueError("members, batch_size and poison_after must be > 0, pipeline_depth >= 0")
        if offset_reset not in {"earliest", "latest"}:
            raise ValueError("offset_reset must be 'earliest' or 'latest'")
        loop = asyncio.get_running_loop()
        metrics = consumer_metrics(service)
        sink = None if dead_letters is None else dead_letter_sink(dead_letters.publisher, dead_letters.topic, group)
        self.group = group
        self.runners = [
            ConsumerRunner(
                bootstrap=bootstrap,
                topics=topics,
                group=group,
                handler=_decoding(handler.new() if isinstance(handler, PerMember) else handler, message, group),
                loop=loop,
                member=f"{name or group}-{n}",
                metrics=metrics,
                offset_reset=offset_reset,
                max_records=batch_size,
                fetch_min_bytes=fetch_min_bytes,
                fetch_max_wait_ms=fetch_max_wait_ms,
                retry_seconds=retry_seconds,
                dead_letter=sink,
                poison_after=poison_after,
                pipeline_depth=pipeline_depth,
            )
            for n in range(members)
        ]

    def start(self) -> None:
        for runner in self.runners:
            runner.start()

    async def stop(self) -> None:
        """Stops every member; each finishes and commits what it handled."""
        await asyncio.gather(*(runner.stop() for runner in self.runners))

    def kill(self) -> None:
        """Stops every member at its next poll without committing anything more (tests: a worker dying)."""
        for runner in self.runners:
            runner.kill()

    async def wait_assigned(self, seconds: float) -> bool:
        """Whether every member got partitions within `seconds` (a member of a group with more members than
        partitions gets none)."""
        assigned = await asyncio.gather(*(runner.wait_assigned(seconds) for runner in self.runners))
        return all(assigned)
