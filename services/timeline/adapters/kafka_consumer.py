"""A Kafka consumer-group member on its own thread (kafka-python blocks), handing each polled batch to an async
handler on the server's event loop and committing offsets only after the handler returns: at least once.

A failed batch is not committed as such: each of its partitions is tried once more on its own, the partitions that
pass are committed, and those that fail again are sought back and held for `retry_seconds` before they are
retried, while the others go on (an event that always fails holds back its own partition, in order, not every
partition the member reads). A partition that failed `poison_after` times in a row from the same offset is then
tried one event at a time: the events that pass are committed, and one that fails on its own while something else
passed since its batches began to fail (the handler's dependencies are up: an outage fails everything and sets
nothing aside) is sent to the dead-letter sink with why it failed, and committed past. Without a sink, or with no
such evidence, it holds its partition until it passes. If the member dies instead, the group gives its partitions
(from the last commit) to another member. A new group starts from `offset_reset`; with "latest", the member commits
its starting positions as soon as it gets partitions, so a rebalance before the first commit cannot skip messages.

Pipelined (`pipeline_depth` > 0): a handler may return what is left of its batch, still running (an awaitable: the
durable writes behind what readers see); the member polls and handles the next batches meanwhile, up to
`pipeline_depth` batches unfinished, and commits each batch once it and every batch before it finished, in order.
When a batch's rest fails (or a handler does), the member waits for all unfinished batches, commits those that
finished before the failed one, seeks every partition of the failed batch and of those after it back to their
first uncommitted event, holds them for `retry_seconds`, and handles batches one at a time (the retries and the
poison rules above) until one passes: batches after the failed one were handled already, so their partitions'
events run again (idempotent handlers), and no commit ever passes a batch that did not finish.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from services.common.kafka import API_VERSION, KafkaPublisher, OutgoingMessage
from services.timeline.app.metrics import CONSUMER_BATCHES, CONSUMER_LAG, DEAD_LETTERS

log = logging.getLogger(__name__)

Handler = Callable[[list[Any]], Coroutine[Any, Any, Awaitable[None] | None]]
"""Handles a batch; returns None when done, or the batch's rest, still running (see pipelined, above)."""
DeadLetterSink = Callable[[Any, str], Coroutine[Any, Any, None]]
"""(record, why it failed): returns once the record is stored elsewhere (acknowledged), raises otherwise."""


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
class _Unfinished:
    """A pipelined batch whose rest is still running."""

    batch: dict[TopicPartition, list[Any]]
    rest: concurrent.futures.Future[None]
    started: float


async def _finish(rest: Awaitable[None]) -> None:
    await rest


@dataclass
class _Failing:
    """A partition whose batches keep failing from the same offset."""

    offset: int
    since: float
    attempts: int = 0


class _NoteAssignments(ConsumerRebalanceListener):
    """Runs on kafka-python's IO thread, where blocking consumer calls are not allowed: it only takes notes; the
    runner's thread acts on them after the poll."""

    def __init__(self, runner: ConsumerRunner):
        self.runner = runner

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.runner.fresh.update(assigned)
        if assigned:
            self.runner.assigned.set()


class ConsumerRunner:
    def __init__(
        self,
        *,
        bootstrap: str,
        topics: Sequence[str],
        group: str,
        handler: Handler,
        loop: asyncio.AbstractEventLoop,
        member: str,
        offset_reset: str = "earliest",
        max_records: int = 200,
        fetch_min_bytes: int = 1,
        fetch_max_wait_ms: int = 500,
        retry_seconds: float = 1.0,
        lag_every_seconds: float = 5.0,
        dead_letter: DeadLetterSink | None = None,
        poison_after: int = 5,
        pipeline_depth: int = 0,
    ):
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.group = group
        self.handler = handler
        self.loop = loop
        self.member = member
        self.offset_reset = offset_reset
        self.max_records = max_records
        # The broker answers a fetch once it has this many bytes for the member, or after this long: a member that
        # would rather handle fewer, larger batches waits for them.
        self.fetch_min_bytes = fetch_min_bytes
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.retry_seconds = retry_seconds
        self.lag_every_seconds = lag_every_seconds
        self.dead_letter = dead_letter
        self.poison_after = poison_after
        self.pipeline_depth = pipeline_depth
        self._unfinished: deque[_Unfinished] = deque()
        # Partitions rewound after a pipelined failure: batches run one at a time until each of them passed once.
        self._careful: set[TopicPartition] = set()
        self._killed = False
        self._failing: dict[TopicPartition, _Failing] = {}
        self._last_success = 0.0  # monotonic time the handler last passed
        self.consumer: KafkaConsumer | None = None
        self.assigned = threading.Event()
        self.fresh: set[TopicPartition] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"kafka-{self.member}", daemon=True)
        self._thread.start()

    def kill(self) -> None:
        """Stops at the next poll without committing anything more (tests: a worker dying mid-batch)."""
        self._killed = True
        self._stop.set()

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 30)
            self._thread = None

    async def wait_assigned(self, seconds: float) -> bool:
        return await asyncio.to_thread(self.assigned.wait, seconds)

    def _open(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group,
            client_id=self.member,
            api_version=API_VERSION,
            enable_auto_commit=False,
            auto_offset_reset=self.offset_reset,
            max_poll_records=self.max_records,
            fetch_min_bytes=self.fetch_min_bytes,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
            max_poll_interval_ms=120_000,
        )
        self.consumer = consumer
        consumer.subscribe(self.topics, listener=_NoteAssignments(self))
        return consumer

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                consumer = self._open()
            except Exception:  # Kafka not reachable yet: retry
                log.warning("kafka consumer cannot connect; retrying", extra={"member": self.member})
                time.sleep(self.retry_seconds)
                continue
            try:
                self._consume(consumer)
            except Exception:
                log.exception("kafka consumer failed; reopening", extra={"member": self.member})
                time.sleep(self.retry_seconds)
            finally:
                with contextlib.suppress(Exception):
                    consumer.close(autocommit=False)
                self.consumer = None

    def _consume(self, consumer: KafkaConsumer) -> None:
        held: dict[TopicPartition, tuple[float, int]] = {}  # held back after a failure -> (retry when, from)
        try:
            self._consume_batches(consumer, held)
        finally:
            if self._stop.is_set() and not self._killed:  # stopping: finish what was handled and commit it
                self._settle(consumer, held, wait=True)
            self._unfinished.clear()  # otherwise (killed, or the consumer failed) it is redone from the last commit

    def _consume_batches(self, consumer: KafkaConsumer, held: dict[TopicPartition, tuple[float, int]]) -> None:
        next_lag = 0.0
        while not self._stop.is_set():
            batch = consumer.poll(timeout_ms=200)
            if self._unfinished:
                self._settle(consumer, held, wait=False)
            if self._careful:
                self._careful &= consumer.assignment()
            if held:
                batch = self._without_held(consumer, batch, held)
            if self.fresh:
                self._commit_start(consumer, batch)
            if time.monotonic() >= next_lag:
                self._report_lag(consumer)
                next_lag = time.monotonic() + self.lag_every_seconds
            if not batch or self._stop.is_set():
                continue
            records = [r for part in batch.values() for r in part]
            started = time.perf_counter()
            if self.pipeline_depth and not self._careful:
                self._pipelined(consumer, batch, records, started, held)
                continue
            try:
                self._run_handler(records)
                CONSUMER_BATCHES.labels(self.group).observe(time.perf_counter() - started)
                failed: set[TopicPartition] = set()
            except Exception:
                log.exception("batch failed", extra={"member": self.member, "n": len(records)})
                if self._stop.is_set():  # killed (or stopping) mid-batch: nothing more, nothing committed
                    return
                failed = self._retry_by_partition(batch)
            if self._stop.is_set():  # killed mid-batch: die without committing
                return
            self._commit(consumer, {tp: part for tp, part in batch.items() if tp not in failed})
            for tp in batch:
                if tp not in failed:
                    self._failing.pop(tp, None)
                    self._careful.discard(tp)
            after = {tp: self._after_failure(consumer, tp, batch[tp]) for tp in failed}
            self._hold(consumer, held, {tp: offset for tp, offset in after.items() if offset is not None})

    def _hold(
        self, consumer: KafkaConsumer, held: dict[TopicPartition, tuple[float, int]], offsets: dict[TopicPartition, int]
    ) -> None:
        """Seeks the partitions back to these offsets and holds them there for `retry_seconds`."""
        if not offsets:
            return
        log.error(
            "partitions held back; they will be retried",
            extra={"member": self.member, "partitions": sorted(tp.partition for tp in offsets)},
        )
        retry_at = time.monotonic() + self.retry_seconds
        for tp, offset in offsets.items():
            with contextlib.suppress(Exception):  # revoked meanwhile: its new owner starts from the last commit
                consumer.seek(tp, offset)
                held[tp] = (retry_at, offset)

    @staticmethod
    def _without_held(
        consumer: KafkaConsumer, batch: dict[TopicPartition, list[Any]], held: dict[TopicPartition, tuple[float, int]]
    ) -> dict[TopicPartition, list[Any]]:
        """The batch less the events of partitions still held back, which are sought back to their retry offset (so
        they come again); a partition whose time is up is let through. Not consumer.pause(): kafka-python 3.0.12
        parks what it already fetched for a paused partition and, once it is resumed, could leave it parked and the
        partition unfetched for good."""
        now = time.monotonic()
        for tp, (at, offset) in list(held.items()):
            if at <= now:
                del held[tp]
            elif tp in batch:
                del batch[tp]
                with contextlib.suppress(Exception):  # revoked meanwhile: its new owner starts from the last commit
                    consumer.seek(tp, offset)
        return batch

    def _run_handler(self, records: list[Any]) -> None:
        """The handler and the rest it returns, to the end."""
        self._start(records).result()
        self._last_success = time.monotonic()

    def _start(self, records: list[Any]) -> concurrent.futures.Future[None]:
        """Runs the handler; returns the batch's end: its rest's, when it returns one, still running."""
        end: concurrent.futures.Future[None] = concurrent.futures.Future()
        try:
            rest = asyncio.run_coroutine_threadsafe(self.handler(records), self.loop).result()
        except Exception as exc:
            end.set_exception(exc)
            return end
        if rest is None:
            end.set_result(None)
            return end
        return asyncio.run_coroutine_threadsafe(_finish(rest), self.loop)

    def _pipelined(
        self,
        consumer: KafkaConsumer,
        batch: dict[TopicPartition, list[Any]],
        records: list[Any],
        started: float,
        held: dict[TopicPartition, tuple[float, int]],
    ) -> None:
        rest = self._start(records)
        failed = rest.done() and rest.exception() is not None
        if failed:
            log.error("batch failed", exc_info=rest.exception(), extra={"member": self.member, "n": len(records)})
        if self._killed:
            return
        self._unfinished.append(_Unfinished(batch, rest, started))
        self._settle(consumer, held, wait=failed)

    def _settle(self, consumer: KafkaConsumer, held: dict[TopicPartition, tuple[float, int]], *, wait: bool) -> None:
        """Commits the unfinished batches that finished, in order; waits for them with `wait`, or for the oldest
        while more than `pipeline_depth` are unfinished. A failure rewinds (`_rewind`)."""
        while self._unfinished:
            oldest = self._unfinished[0]
            if not (wait or oldest.rest.done() or len(self._unfinished) > self.pipeline_depth):
                return
            try:
                oldest.rest.result()
            except Exception:
                log.exception("a batch's rest failed", extra={"member": self.member})
                self._rewind(consumer, held)
                return
            self._unfinished.popleft()
            self._last_success = time.monotonic()
            CONSUMER_BATCHES.labels(self.group).observe(time.perf_counter() - oldest.started)
            if self._killed:
                return
            self._commit(consumer, oldest.batch)
            for tp in oldest.batch:
                self._failing.pop(tp, None)

    def _rewind(self, consumer: KafkaConsumer, held: dict[TopicPartition, tuple[float, int]]) -> None:
        """The oldest unfinished batch failed: once the others are over, every partition they touched goes back to
        its first event in them and is held for `retry_seconds`; batches then run one at a time (`_careful`)."""
        first: dict[TopicPartition, int] = {}
        for unfinished in self._unfinished:
            with contextlib.suppress(Exception):
                unfinished.rest.result()  # whatever its outcome, it runs again
            for tp, part in unfinished.batch.items():
                first.setdefault(tp, part[0].offset)
        self._unfinished.clear()
        self._hold(consumer, held, first)
        self._careful.update(first)  # a revoked one leaves it at the next poll

    def _after_failure(self, consumer: KafkaConsumer, tp: TopicPartition, records: list[Any]) -> int | None:
        """Counts a failure of the partition's batch; once it is a poison suspect, tries the batch one event at a
        time. The offset to retry from, or None when the partition moved past its batch."""
        first = records[0].offset
        failing = self._failing.get(tp)
        if failing is None or failing.offset != first:
            failing = self._failing[tp] = _Failing(offset=first, since=time.monotonic())
        failing.attempts += 1
        if self.dead_letter is None or failing.attempts < self.poison_after or self._stop.is_set():
            return first
        for n, record in enumerate(records):
            try:
                self._run_handler([record])
                continue
            except Exception as exc:
                # It fails on its own: a poison event if anything passed since its batches began to fail (the
                # events before it in this pass count); if nothing did, the handler's dependencies may be down,
                # and an outage must not empty the topic.
                evidence = self._last_success > failing.since
                if not evidence or self._stop.is_set() or not self._set_aside(record, exc):
                    if n:
                        self._commit(consumer, {tp: records[:n]})
                        self._failing[tp] = _Failing(record.offset, failing.since, failing.attempts)
                    return record.offset
            self._commit(consumer, {tp: records[: n + 1]})
        self._commit(consumer, {tp: records})
        self._failing.pop(tp, None)
        return None

    def _set_aside(self, record: Any, exc: Exception) -> bool:
        """Sends a poison event to the dead-letter sink; False when the sink could not take it (retried later)."""
        assert self.dead_letter is not None
        why = f"{type(exc).__name__}: {exc}"[:1000]
        try:
            asyncio.run_coroutine_threadsafe(self.dead_letter(record, why), self.loop).result()
        except Exception:
            log.exception("dead-letter sink failed; the event stays in place", extra={"member": self.member})
            return False
        DEAD_LETTERS.labels(self.group).inc()
        log.error(
            "event set aside on the dead-letter topic",
            extra={
                "member": self.member,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "error": why,
            },
        )
        return True

    def _retry_by_partition(self, batch: dict[TopicPartition, list[Any]]) -> set[TopicPartition]:
        """After a failed batch, each partition's records once more on their own: the partitions that pass go on,
        and only those that fail again wait (an event that always fails holds back its partition, in order, not
        every partition this member reads). The partitions that failed."""
        if len(batch) == 1:
            return set(batch)
        failed = set()
        for tp, part in batch.items():
            try:
                self._run_handler(part)
            except Exception:
                failed.add(tp)
            if self._stop.is_set():
                break
        return failed

    def _commit(self, consumer: KafkaConsumer, done: dict[TopicPartition, list[Any]]) -> None:
        offsets = {tp: OffsetAndMetadata(part[-1].offset + 1, "", -1) for tp, part in done.items()}
        if not offsets:
            return
        try:
            consumer.commit(offsets)
        except CommitFailedError:
            log.warning("commit refused after a rebalance; the batch will be redone", extra={"member": self.member})
        except KafkaError:
            log.exception("commit failed; the batch will be redone", extra={"member": self.member})

    def _commit_start(self, consumer: KafkaConsumer, batch: dict[TopicPartition, list[Any]]) -> None:
        """A group with no committed offset for a partition starts where `offset_reset` put it: commit that start
        at once, so a rebalance before the first real commit cannot move it (with "latest", skip messages)."""
        fresh, self.fresh = self.fresh, set()
        start = {}
        for tp in fresh & consumer.assignment():
            if consumer.committed(tp) is None:
                offset = batch[tp][0].offset if batch.get(tp) else consumer.position(tp)
                start[tp] = OffsetAndMetadata(offset, "", -1)
        if start:
            consumer.commit(start)

    def _report_lag(self, consumer: KafkaConsumer) -> None:
        try:
            parts: set[TopicPartition] = consumer.assignment()
            if not parts:
                CONSUMER_LAG.labels(self.group, self.member).set(0)
                return
            ends = consumer.end_offsets(list(parts))
            lag = sum(max(0, ends[tp] - consumer.position(tp)) for tp in parts)
            CONSUMER_LAG.labels(self.group, self.member).set(lag)
        except Exception:
            log.debug("lag probe failed", exc_info=True)
