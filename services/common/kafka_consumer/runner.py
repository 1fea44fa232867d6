"""One Kafka consumer-group member on its own thread (kafka-python blocks), handing each polled batch of raw records
to an async handler on the server's event loop and committing offsets only after the handler returns: at least
once. Services use it through `EventConsumer` (events.py), which decodes the records first.

A failed batch is not committed as such: each of its partitions is tried once more on its own, the partitions that
pass are committed, and those that fail again are sought back and held for `retry_seconds` before they are
retried, while the others go on (an event that always fails holds back its own partition, in order, not every
partition the member reads). Events that keep failing go the poison route (poison.py); pipelined batches are
settled in order (pipeline.py). If the member dies instead, the group gives its partitions (from the last commit)
to another member. A new group starts from `offset_reset`; with "latest", the member commits its starting positions
as soon as it gets partitions, so a rebalance before the first commit cannot skip messages.
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

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from services.common.kafka import API_VERSION
from services.common.kafka_consumer.metrics import ConsumerMetrics
from services.common.kafka_consumer.pipeline import Pipeline
from services.common.kafka_consumer.poison import DeadLetterSink, PoisonRoute

log = logging.getLogger(__name__)

RecordHandler = Callable[[list[Any]], Coroutine[Any, Any, Awaitable[None] | None]]
"""Handles a batch of records; returns None when done, or the batch's rest, still running (pipeline.py)."""


async def _finish(rest: Awaitable[None]) -> None:
    await rest


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
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.group = group
        self.handler = handler
        self.loop = loop
        self.member = member
        self.metrics = metrics
        self.offset_reset = offset_reset
        self.max_records = max_records
        # The broker answers a fetch once it has this many bytes for the member, or after this long: a member that
        # would rather handle fewer, larger batches waits for them.
        self.fetch_min_bytes = fetch_min_bytes
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.retry_seconds = retry_seconds
        self.lag_every_seconds = lag_every_seconds
        self.poison = PoisonRoute(self, dead_letter, poison_after)
        self.pipeline = Pipeline(self, pipeline_depth, self.poison)
        self.killed = False
        self.last_success = 0.0  # monotonic time the handler last passed
        # Partitions held back after a failure -> (retry when, from which offset).
        self.held: dict[TopicPartition, tuple[float, int]] = {}
        self.consumer: KafkaConsumer | None = None
        self.assigned = threading.Event()
        self.fresh: set[TopicPartition] = set()
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
        self.held = {}
        try:
            self._consume_batches(consumer)
        finally:
            if self._stop.is_set() and not self.killed:  # stopping: finish what was handled and commit it
                self.pipeline.settle(consumer, wait=True)
            self.pipeline.drop()  # otherwise (killed, or the consumer failed) it is redone from the last commit

    def _consume_batches(self, consumer: KafkaConsumer) -> None:
        next_lag = 0.0
        while not self._stop.is_set():
            batch = consumer.poll(timeout_ms=200)
            if self.pipeline.unfinished:
                self.pipeline.settle(consumer, wait=False)
            self.pipeline.keep_assigned(consumer)
            if self.held:
                batch = self._without_held(consumer, batch)
            if self.fresh:
                self._commit_start(consumer, batch)
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

    def hold(self, consumer: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
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
                self.held[tp] = (retry_at, offset)

    def _without_held(
        self, consumer: KafkaConsumer, batch: dict[TopicPartition, list[Any]]
    ) -> dict[TopicPartition, list[Any]]:
        """The batch less the events of partitions still held back, which are sought back to their retry offset (so
        they come again); a partition whose time is up is let through. Not consumer.pause(): kafka-python 3.0.12
        parks what it already fetched for a paused partition and, once it is resumed, could leave it parked and the
        partition unfetched for good."""
        now = time.monotonic()
        for tp, (at, offset) in list(self.held.items()):
            if at <= now:
                del self.held[tp]
            elif tp in batch:
                del batch[tp]
                with contextlib.suppress(Exception):  # revoked meanwhile: its new owner starts from the last commit
                    consumer.seek(tp, offset)
        return batch

    def run_handler(self, records: list[Any]) -> None:
        """The handler and the rest it returns, to the end."""
        self.start_handler(records).result()
        self.last_success = time.monotonic()

    def start_handler(self, records: list[Any]) -> concurrent.futures.Future[None]:
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

    def _retry_by_partition(self, batch: dict[TopicPartition, list[Any]]) -> set[TopicPartition]:
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

    def commit(self, consumer: KafkaConsumer, done: dict[TopicPartition, list[Any]]) -> None:
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
                self.metrics.lag.labels(self.group, self.member).set(0)
                return
            ends = consumer.end_offsets(list(parts))
            lag = sum(max(0, ends[tp] - consumer.position(tp)) for tp in parts)
            self.metrics.lag.labels(self.group, self.member).set(lag)
        except Exception:
            log.debug("lag probe failed", exc_info=True)
