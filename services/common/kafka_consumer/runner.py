"""One Kafka consumer-group member on its own thread (confluent-kafka's calls block, releasing the GIL while they
wait), handing each polled batch of records to an async handler on the server's event loop and committing offsets
only after the handler returns: at least once. Services use it through `EventConsumer` (events.py), which decodes
the records first. librdkafka fetches, decompresses and parses in its own C threads; the member turns each message
into a `Record` (records.py) and commits synchronously, itself (client.py has its configuration).

A failed batch is not committed as such: each of its partitions is tried once more on its own, the partitions that
pass are committed, and those that fail again are sought back to their first uncommitted event and paused for
`retry_seconds` before they are retried, while the others go on (an event that always fails holds back its own
partition, in order, not every partition the member reads). Events that keep failing go the poison route
(poison.py); pipelined batches are settled in order (pipeline.py). If the member dies instead, the group gives its
partitions (from the last commit) to another member. A partition the group never committed starts from
`offset_reset`: when the member is assigned one, it resolves that start itself (the partition's first or next
offset), starts there and commits it before its first batch, so a rebalance before the first real commit cannot
move it (with "latest", skip messages). Rebalance callbacks run inside `consume`, on the member's own thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, KafkaException, TopicPartition

from services.common.kafka_consumer.client import ThrottledErrors, consumer_config
from services.common.kafka_consumer.metrics import ConsumerMetrics
from services.common.kafka_consumer.pipeline import Pipeline
from services.common.kafka_consumer.poison import DeadLetterSink, PoisonRoute
from services.common.kafka_consumer.records import Batch, Record, batch_of, record_of

log = logging.getLogger(__name__)

RecordHandler = Callable[[list[Record]], Coroutine[Any, Any, Awaitable[None] | None]]
"""Handles a batch of records; returns None when done, or the batch's rest, still running (pipeline.py)."""

# How long a poll waits for a first record; it then takes what else is already fetched, up to a batch, without
# waiting for a full one (a trickle of events is handled as it comes, not every POLL_SECONDS).
POLL_SECONDS = 0.2
# Broker requests of the member's own (committed offsets, partition ends) give up after this long.
REQUEST_SECONDS = 10.0
# Tries at a fresh partition's first or next offset, 0.2 s apart, before the member gives up and reopens.
_START_ATTEMPTS = 10
# A commit refused because the group moved on: the batch is redone by the partition's new owner.
_REBALANCED = {KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION, KafkaError.UNKNOWN_MEMBER_ID}


async def _finish(rest: Awaitable[None]) -> None:
    await rest


class ConsumerRunner:
    def __init__(
        self,
        *,
        bootstrap: str,
        topics: Sequence[str],
        group: str,
        handler: RecordHandler,
        loop: asyncio.AbstractEventLoop,
        member: str,
        metrics: ConsumerMetrics,
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
        self.topics = list(topics)
        self.group = group
        self.handler = handler
        self.loop = loop
        self.member = member
        self.metrics = metrics
        self.errors = ThrottledErrors(member)
        self.config = consumer_config(
            bootstrap=bootstrap,
            group=group,
            member=member,
            offset_reset=offset_reset,
            fetch_min_bytes=fetch_min_bytes,
            fetch_max_wait_ms=fetch_max_wait_ms,
            errors=self.errors,
        )
        self.offset_reset = offset_reset
        self.max_records = max_records
        self.retry_seconds = retry_seconds
        self.lag_every_seconds = lag_every_seconds
        self.poison = PoisonRoute(self, dead_letter, poison_after)
        self.pipeline = Pipeline(self, pipeline_depth, self.poison)
        self.killed = False
        self.last_success = 0.0  # monotonic time the handler last passed
        # Partitions held back (paused) after a failure -> (retry when, from which offset).
        self.held: dict[TopicPartition, tuple[float, int]] = {}
        self.consumer: Consumer | None = None
        self.assignment: set[TopicPartition] = set()
        self.assigned = threading.Event()
        # Partitions assigned without a committed offset -> the start the member resolved, to commit at once.
        self.fresh: dict[TopicPartition, int] = {}
        self._callback_failed: Exception | None = None  # raised by a rebalance callback, re-raised after `consume`
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"kafka-{self.member}", daemon=True)
        self._thread.start()

    def kill(self) -> None:
        """Stops at the next poll without committing anything more (tests: a worker dying mid-batch)."""
        self.killed = True
        self._stop.set()

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 30)
            self._thread = None

    async def wait_assigned(self, seconds: float) -> bool:
        return await asyncio.to_thread(self.assigned.wait, seconds)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                consumer = Consumer(self.config)
                self.consumer = consumer
                consumer.subscribe(self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
            except Exception:
                log.exception("kafka consumer cannot start; retrying", extra={"member": self.member})
                time.sleep(self.retry_seconds)
                continue
            try:
                self._consume(consumer)
            except Exception:
                log.exception("kafka consumer failed; reopening", extra={"member": self.member})
                time.sleep(self.retry_seconds)
            finally:
                with contextlib.suppress(Exception):
                    consumer.close()  # leaves the group; commits nothing (no auto commit)
                self.consumer = None
                self.assignment = set()

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """A rebalance gave the member `partitions` (inside `consume`, on this thread): those the group never
        committed start where `offset_reset` puts them now, and that start is committed after the callback. If
        the start cannot be resolved, the member reopens (and rejoins) rather than start anywhere else; an
        exception must not leave the callback (confluent-kafka re-raises it from `consume` as a bare KafkaError)."""
        try:
            starts = self._starts_of_fresh(consumer, partitions)
        except Exception as exc:
            self._callback_failed = exc
            return
        consumer.assign([TopicPartition(tp.topic, tp.partition, starts.get(tp, OFFSET_INVALID)) for tp in partitions])
        self.fresh.update(starts)
        self.assignment = set(partitions)
        log.info(
            "partitions assigned",
            extra={
                "member": self.member,
                "partitions": len(partitions),
                "fresh": len(starts),
            },
        )
        if partitions:
            self.assigned.set()

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """The member gives up all its partitions (an eager rebalance, or closing): what it held is let go, so a
        partition it gets back is not left paused."""
        log.info("partitions revoked", extra={"member": self.member, "partitions": len(partitions)})
        if self.held:
            with contextlib.suppress(KafkaException):
                consumer.resume(list(self.held))
        self.held = {}
        self.fresh = {}
        self.assignment = set()

    def _starts_of_fresh(self, consumer: Consumer, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """The first or next offset (by `offset_reset`) of each partition the group has no commit for: one
        ListOffsets request for them all (timestamp -2 means the earliest offset, -1 the latest)."""
        if not partitions:
            return {}
        fresh = [tp for tp in consumer.committed(partitions, timeout=REQUEST_SECONDS) if tp.offset < 0]
        if not fresh:
            return {}
        at = -2 if self.offset_reset == "earliest" else -1
        for attempt in range(_START_ATTEMPTS):
            try:  # a topic created a moment ago may have no leader yet
                found = consumer.offsets_for_times(
                    [TopicPartition(tp.topic, tp.partition, at) for tp in fresh], timeout=REQUEST_SECONDS
                )
                unknown = [tp for tp in found if tp.error is not None or tp.offset < 0]
                if not unknown:
                    break
                raise KafkaException(unknown[0].error or f"no offset for {unknown[0]}")
            except KafkaException:
                if attempt == _START_ATTEMPTS - 1:
                    raise
                time.sleep(0.2)
        return {TopicPartition(tp.topic, tp.partition): tp.offset for tp in found}

    def _consume(self, consumer: Consumer) -> None:
        self.held = {}
        try:
            self._consume_batches(consumer)
        finally:
            if self._stop.is_set() and not self.killed:  # stopping: finish what was handled and commit it
                self.pipeline.settle(consumer, wait=True)
            self.pipeline.drop()  # otherwise (killed, or the consumer failed) it is redone from the last commit

    def _poll(self, consumer: Consumer) -> Batch:
        """Waits up to POLL_SECONDS for a record, then takes what else is fetched already, up to `max_records`."""
        messages = consumer.consume(1, POLL_SECONDS)
        if self._callback_failed is not None:
            failed, self._callback_failed = self._callback_failed, None
            raise failed
        if not messages:
            return {}
        if self.max_records > 1:
            messages += consumer.consume(self.max_records - 1, 0)
        records = []
        for message in messages:
            err = message.error()
            if err is None:
                records.append(record_of(message))
            elif err.fatal():
                raise KafkaException(err)
            else:  # e.g. a subscribed topic that does not exist (yet)
                self.errors(err)
        return batch_of(records)

    def _consume_batches(self, consumer: Consumer) -> None:
        next_lag = 0.0
        while not self._stop.is_set():
            batch = self._poll(consumer)
            if self.pipeline.unfinished:
                self.pipeline.settle(consumer, wait=False)
            self.pipeline.keep_assigned(self.assignment)
            if self.held:
                batch = self._without_held(consumer, batch)
            if self.fresh:
                self._commit_start(consumer)
            if time.monotonic() >= next_lag:
                self._report_lag(consumer)
                next_lag = time.monotonic() + self.lag_every_seconds
            if not batch or self._stop.is_set():
                continue
            records = [r for part in batch.values() for r in part]
            started = time.perf_counter()
            if self.pipeline.takes_next():
                self.pipeline.add(consumer, batch, records, started)
                continue
            try:
                self.run_handler(records)
                self.metrics.batches.labels(self.group).observe(time.perf_counter() - started)
                failed: set[TopicPartition] = set()
            except Exception:
                log.exception("batch failed", extra={"member": self.member, "n": len(records)})
                self.metrics.failed_batches.labels(self.group).inc()
                if self._stop.is_set():  # killed (or stopping) mid-batch: nothing more, nothing committed
                    return
                failed = self._retry_by_partition(batch)
            if self._stop.is_set():  # killed mid-batch: die without committing
                return
            self.commit(consumer, {tp: part for tp, part in batch.items() if tp not in failed})
            for tp in batch:
                if tp not in failed:
                    self.poison.passed(tp)
                    self.pipeline.passed(tp)
            after = {tp: self.poison.after_failure(consumer, tp, batch[tp]) for tp in failed}
            self.hold(consumer, {tp: offset for tp, offset in after.items() if offset is not None})

    def hold(self, consumer: Consumer, offsets: dict[TopicPartition, int]) -> None:
        """Seeks the partitions back to these offsets and pauses them there for `retry_seconds`."""
        if not offsets:
            return
        log.error(
            "partitions held back; they will be retried",
            extra={"member": self.member, "partitions": sorted(tp.partition for tp in offsets)},
        )
        retry_at = time.monotonic() + self.retry_seconds
        for tp, offset in offsets.items():
            if tp not in self.assignment:  # revoked meanwhile: its new owner starts from the last commit
                continue
            with contextlib.suppress(KafkaException):
                consumer.seek(TopicPartition(tp.topic, tp.partition, offset))
                consumer.pause([tp])
                self.held[tp] = (retry_at, offset)

    def _without_held(self, consumer: Consumer, batch: Batch) -> Batch:
        """Resumes the held partitions whose time is up (they go on from the offset they were sought back to). The
        batch less any event of a partition still held: one fetched before it was paused, which librdkafka
        discards on the seek anyway; sought back again, to be sure it comes again."""
        now = time.monotonic()
        for tp, (at, offset) in list(self.held.items()):
            if at <= now:
                del self.held[tp]
                with contextlib.suppress(KafkaException):
                    consumer.resume([tp])
            elif tp in batch:
                del batch[tp]
                with contextlib.suppress(KafkaException):
                    consumer.seek(TopicPartition(tp.topic, tp.partition, offset))
        return batch

    def run_handler(self, records: list[Record]) -> None:
        """The handler and the rest it returns, to the end."""
        self.start_handler(records).result()
        self.last_success = time.monotonic()

    def start_handler(self, records: list[Record]) -> concurrent.futures.Future[None]:
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

    def _retry_by_partition(self, batch: Batch) -> set[TopicPartition]:
        """After a failed batch, each partition's records once more on their own: the partitions that pass go on,
        and only those that fail again wait (an event that always fails holds back its partition, in order, not
        every partition this member reads). The partitions that failed."""
        if len(batch) == 1:
            return set(batch)
        failed = set()
        for tp, part in batch.items():
            try:
                self.run_handler(part)
            except Exception:
                failed.add(tp)
            if self._stop.is_set():
                break
        return failed

    def commit(self, consumer: Consumer, done: Batch) -> None:
        """Commits past the last record of each partition the member still owns (after a rebalance, a revoked
        partition's batch is redone by its new owner)."""
        self._commit(consumer, {tp: part[-1].offset + 1 for tp, part in done.items()})

    def _commit(self, consumer: Consumer, offsets: dict[TopicPartition, int]) -> bool:
        owned = [
            TopicPartition(tp.topic, tp.partition, offset) for tp, offset in offsets.items() if tp in self.assignment
        ]
        if not owned:
            return True
        try:
            consumer.commit(offsets=owned, asynchronous=False)
            return True
        except KafkaException as exc:
            err = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
            if err is not None and err.code() in _REBALANCED:
                log.warning("commit refused after a rebalance; the batch will be redone", extra={"member": self.member})
            else:
                log.exception("commit failed; the batch will be redone", extra={"member": self.member})
            return False

    def _commit_start(self, consumer: Consumer) -> None:
        """Commits the start of each partition the group had no commit for (see `_on_assign`); retried at the next
        poll when it fails."""
        if self._commit(consumer, self.fresh):
            self.fresh = {}

    def _report_lag(self, consumer: Consumer) -> None:
        """Sums, over the member's partitions, their end (as of the last fetch response: asking the broker would
        wait behind the member's own long-polling fetch) less the member's position. A partition the member has
        not read from yet since it got it counts 0 until then."""
        try:
            lag = 0
            for tp in consumer.position(list(self.assignment)) if self.assignment else ():
                _, end = consumer.get_watermark_offsets(tp, cached=True)
                if tp.offset >= 0 and end >= 0:
                    lag += max(0, end - tp.offset)
            self.metrics.lag.labels(self.group, self.member).set(lag)
        except Exception:
            log.debug("lag probe failed", exc_info=True)
