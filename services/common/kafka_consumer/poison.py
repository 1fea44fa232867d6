"""Poison events: an event that keeps failing is tried on its own, and one that fails alone while other events pass
is set aside on a dead-letter topic, so its partition can go on.

A partition whose batch failed `poison_after` times in a row from the same offset is tried one event at a time: the
events that pass are committed, and one that fails on its own is sent to the dead-letter sink with why it failed,
and committed past, if something else passed since its batches began to fail (the handler's dependencies are up:
an outage fails everything and must not empty the topic) or if it raised `PoisonEvent` (it can never pass, e.g. it
cannot be decoded). An event that fails because a backend does not answer (services.common.outages) is never set
aside: events that need no store pass during a store's outage, which is no evidence about the ones that do. Without
a sink, or without such evidence, it holds its partition until it passes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.common.kafka import KafkaPublisher, OutgoingMessage
from services.common.kafka_consumer.member import Member
from services.common.outages import outage_reason

log = logging.getLogger(__name__)

DeadLetterSink = Callable[[Any, str], Coroutine[Any, Any, None]]
"""(record, why it failed): returns once the record is stored elsewhere (acknowledged), raises otherwise."""


class PoisonEvent(Exception):
    """Raised for an event that can never pass, whatever else does: it is set aside without waiting for another
    event to pass first."""


def dead_letter_sink(publisher: KafkaPublisher, topic: str, group: str) -> DeadLetterSink:
    """Poison events to `topic` as they were (key, value, headers), with where they came from and why they failed in
    `dead-letter.*` headers, so they can be inspected and replayed once the cause is fixed."""

    async def send(record: Any, why: str) -> None:
        headers = [
            *(record.headers or ()),
            ("dead-letter.topic", record.topic.encode()),
            ("dead-letter.partition", str(record.partition).encode()),
            ("dead-letter.offset", str(record.offset).encode()),
            ("dead-letter.group", group.encode()),
            ("dead-letter.error", why.encode()),
        ]
        await publisher.send_batch([OutgoingMessage(topic, record.key or b"", record.value or b"", headers)])

    return send


@dataclass
class _Failing:
    """A partition whose batches keep failing from the same offset."""

    offset: int
    since: float
    attempts: int = 0


class PoisonRoute:
    """The partitions of one member whose batches keep failing, and what becomes of their events."""

    def __init__(self, runner: Member, sink: DeadLetterSink | None, poison_after: int):
        self.runner = runner
        self.sink = sink
        self.poison_after = poison_after
        self._failing: dict[TopicPartition, _Failing] = {}

    def passed(self, tp: TopicPartition) -> None:
        """The partition's batch passed: its count of failures starts again."""
        self._failing.pop(tp, None)

    def after_failure(self, consumer: KafkaConsumer, tp: TopicPartition, records: list[Any]) -> int | None:
        """Counts a failure of the partition's batch; once it is a poison suspect, tries the batch one event at a
        time. The offset to retry from, or None when the partition moved past its batch."""
        runner = self.runner
        first = records[0].offset
        failing = self._failing.get(tp)
        if failing is None or failing.offset != first:
            failing = self._failing[tp] = _Failing(offset=first, since=time.monotonic())
        failing.attempts += 1
        if self.sink is None or failing.attempts < self.poison_after or runner.stopping:
            return first
        for n, record in enumerate(records):
            try:
                runner.run_handler([record])
                continue
            except Exception as exc:
                # It fails on its own: a poison event if anything passed since its batches began to fail (the
                # events before it in this pass count); if nothing did, the handler's dependencies may be down,
                # and an outage must not empty the topic.
                evidence = isinstance(exc, PoisonEvent) or (
                    runner.last_success > failing.since and outage_reason(exc) is None
                )
                if not evidence or runner.stopping or not self._set_aside(record, exc):
                    if n:
                        runner.commit(consumer, {tp: records[:n]})
                        self._failing[tp] = _Failing(record.offset, failing.since, failing.attempts)
                    return record.offset
            runner.commit(consumer, {tp: records[: n + 1]})
        runner.commit(consumer, {tp: records})
        self._failing.pop(tp, None)
        return None

    def _set_aside(self, record: Any, exc: Exception) -> bool:
        """Sends a poison event to the dead-letter sink; False when the sink could not take it (retried later)."""
        assert self.sink is not None
        runner = self.runner
        why = f"{type(exc).__name__}: {exc}"[:1000]
        try:
            asyncio.run_coroutine_threadsafe(self.sink(record, why), runner.loop).result()
        except Exception:
            log.exception("dead-letter sink failed; the event stays in place", extra={"member": runner.member})
            return False
        runner.metrics.dead_letters.labels(runner.group).inc()
        log.error(
            "event set aside on the dead-letter topic",
            extra={
                "member": runner.member,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "error": why,
            },
        )
        return True
