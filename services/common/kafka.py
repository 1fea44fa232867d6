"""Kafka through confluent-kafka (librdkafka), kept off the event loop.

`produce` only appends a record to librdkafka's queue and returns (it raises BufferError when the queue is full,
it never waits), so a batch is appended on the event loop itself; librdkafka's own C threads batch, send and retry
without the GIL. Each record's outcome is a delivery report, which librdkafka hands over only inside `poll()`: one
thread per producer polls, counts each batch's reports and wakes the event loop once per batch, when the last
record is acknowledged or the first one fails. A poll thread rather than `flush()` in a worker thread per batch:
`flush` waits for every queued record, so concurrent batches would wait for one another, and each would cost a
thread hand-off.

The producer keeps per-key order under retries (idempotent, acks=all, at most five requests in flight) and puts a
key on the partition kafka-python and the Java client pick (murmur2), so a key's events stay on one partition
whichever client wrote them. A record librdkafka could not deliver within `timeout_seconds` fails and leaves its
queue, so a Kafka outage does not pile up copies of the records a caller (the outbox relay) sends again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

log = logging.getLogger(__name__)

# For the kafka-python clients (the consumers, the lake's offset reader): its version probe misreads Kafka 4.x
# brokers, and every broker we support speaks this API level.
API_VERSION = (2, 8, 0)

# How long the poll thread waits for a delivery report before it checks whether it should stop.
_POLL_SECONDS = 0.2
# The shortest interval between two log lines of one kind of client-wide error (a broker that does not answer).
LOG_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class OutgoingMessage:
    topic: str
    key: bytes
    value: bytes
    headers: Sequence[tuple[str, bytes]] = ()


class KafkaPublishError(Exception):
    """Kafka did not acknowledge a message; the caller keeps it and retries later."""


class KafkaPublisher:
    """Sends batches of messages and waits for every acknowledgement."""

    def __init__(self, bootstrap: str, *, client_id: str, timeout_seconds: float = 5.0):
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.timeout_seconds = timeout_seconds
        self._delivery: _Delivery | None = None
        self._last_error = ""  # librdkafka's latest client-wide error, to say why a batch timed out
        self._logged_at: dict[int, float] = {}  # error code -> when it was last logged
        self._lock = threading.Lock()  # the producer is made, replaced and closed from the loop and worker threads

    def _config(self) -> dict[str, Any]:
        timeout_ms = max(1, int(self.timeout_seconds * 1000))
        return {
            "bootstrap.servers": self.bootstrap,
            "client.id": self.client_id,
            "enable.idempotence": True,
            "acks": "all",
            "max.in.flight.requests.per.connection": 5,
            # The Java client's and kafka-python's hash of the key (librdkafka's default is CRC-32).
            "partitioner": "murmur2_random",
            "linger.ms": 2,
            # The caller's deadline is librdkafka's too: an undelivered record fails then, rather than after the
            # default five minutes, while the caller has already given up on it and will send it again.
            "message.timeout.ms": timeout_ms,
            "request.timeout.ms": timeout_ms,
            "socket.connection.setup.timeout.ms": max(1000, timeout_ms),
            "reconnect.backoff.max.ms": 2000,
            # Requests are small and answered at once; Nagle would hold a pipelined one back for the last one's ACK.
            "socket.nagle.disable": True,
            # librdkafka logs each failed connection attempt, several a second while Kafka is down: its errors reach
            # the log through `_on_error`, at most one per kind per LOG_EVERY_SECONDS; only its critical lines are
            # logged directly, through Python logging rather than raw on stderr.
            "log_level": 2,
            "logger": logging.getLogger("librdkafka"),
            "error_cb": self._on_error,
        }

    def _ensure(self) -> _Delivery:
        with self._lock:
            if self._delivery is None:
                self._delivery = _Delivery(Producer(self._config()), name=f"kafka-delivery-{self.client_id}")
            return self._delivery

    def _on_error(self, err: KafkaError) -> None:
        """librdkafka's client-wide errors (on the poll thread). Brokers going away and coming back are retried by
        librdkafka itself and show up as failed deliveries; a fatal error (the idempotent producer lost its
        sequence) leaves the producer unusable, so the next batch gets a new one."""
        self._last_error = err.str()
        if not err.fatal():
            now = time.monotonic()
            if now - self._logged_at.get(err.code(), -LOG_EVERY_SECONDS) >= LOG_EVERY_SECONDS:
                self._logged_at[err.code()] = now
                log.warning("kafka producer error", extra={"client_id": self.client_id, "error": err.str()})
            return
        log.error("kafka producer failed for good; replacing it", extra={"error": err.str()})
        with self._lock:
            broken, self._delivery = self._delivery, None
        if broken is not None:
            # Not here: closing joins the poll thread this callback runs on. Its records fail at once.
            threading.Thread(target=broken.close, args=(0.0,), name=f"kafka-close-{self.client_id}").start()

    def _produce(self, messages: Sequence[OutgoingMessage], batch: _Batch) -> None:
        """Appends the batch in order; raises KafkaPublishError when librdkafka refuses a record (queue full,
        record too large, producer failed), in which case the records before it may still go out."""
        producer = self._ensure().producer
        try:
            for m in messages:
                producer.produce(m.topic, m.value, m.key, on_delivery=batch.delivered, headers=list(m.headers) or None)
        except (BufferError, KafkaException) as exc:
            batch.future.cancel()  # nobody will wait for the reports of the records appended before
            raise KafkaPublishError(_describe(exc)) from exc

    async def send_batch(self, messages: Sequence[OutgoingMessage]) -> None:
        """Sends in order and returns once all are acknowledged; raises KafkaPublishError otherwise (at the first
        failure, or after `timeout_seconds`)."""
        if not messages:
            return
        batch = _Batch(asyncio.get_running_loop(), len(messages), fail_fast=True)
        self._produce(messages, batch)
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await batch.future
        except TimeoutError as exc:
            why = batch.first_error or self._last_error or "no answer"
            raise KafkaPublishError(
                f"{len(messages) - batch.acked} of {len(messages)} messages not acknowledged within"
                f" {self.timeout_seconds}s ({why})"
            ) from exc

    async def send_batch_in_thread(self, messages: Sequence[OutgoingMessage]) -> int:
        """Sends and waits, up to `timeout_seconds`, for every message's outcome, which is counted on the delivery
        thread: the event loop is woken once for the batch (for fire-and-forget events a wake-up per message would
        be most of their cost); returns how many were not acknowledged. Raises KafkaPublishError when the batch
        could not be handed to the producer."""
        if not messages:
            return 0
        batch = _Batch(asyncio.get_running_loop(), len(messages), fail_fast=False)
        self._produce(messages, batch)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.timeout_seconds):
                await batch.future
        return len(messages) - batch.acked

    async def close(self) -> None:
        """Delivers what is queued, for up to `timeout_seconds`, and stops the producer."""
        with self._lock:
            delivery, self._delivery = self._delivery, None
        if delivery is not None:
            await asyncio.to_thread(delivery.close, self.timeout_seconds)


class _Delivery:
    """A producer and the thread that serves its delivery reports (librdkafka calls back only inside `poll`)."""

    def __init__(self, producer: Producer, *, name: str):
        self.producer = producer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # poll releases the GIL while it waits, and returns as soon as reports are there.
        while not self._stop.is_set():
            self.producer.poll(_POLL_SECONDS)

    def close(self, timeout_seconds: float) -> None:
        """Blocking: flushes (serving the reports here too), drops what is still queued, reports it as failed,
        and stops the poll thread."""
        with contextlib.suppress(Exception):  # closing must not mask the error a caller is handling
            self.producer.flush(timeout_seconds)
            self.producer.purge()
            self.producer.poll(0)
        self._stop.set()
        self._thread.join()


class _Batch:
    """A batch's delivery reports, counted on the poll thread: the event loop is woken once, when every message is
    acknowledged, at the first failure (`fail_fast`), or once every message has an outcome."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int, *, fail_fast: bool):
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()
        self.acked = 0
        self.first_error = ""
        self._count = count
        self._failed = 0
        self._fail_fast = fail_fast
        self._settled = False
        self._lock = threading.Lock()  # reports are served by the poll thread, and by close()'s flush

    def delivered(self, err: KafkaError | None, _msg: Message) -> None:
        with self._lock:
            if err is None:
                self.acked += 1
            else:
                self._failed += 1
                self.first_error = self.first_error or err.str()
            if self._settled:
                return
            failing = err is not None and self._fail_fast
            if not failing and self.acked + self._failed < self._count:
                return
            self._settled = True
        exc = KafkaPublishError(err.str()) if failing and err is not None else None
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            self.loop.call_soon_threadsafe(_settle, self.future, exc)


def _settle(done: asyncio.Future[None], exc: BaseException | None) -> None:
    if done.done():  # cancelled: the batch gave up waiting
        return
    if exc is None:
        done.set_result(None)
    else:
        done.set_exception(exc)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return str(exc.args[0].str())
    return str(exc) or type(exc).__name__
