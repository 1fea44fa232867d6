"""Kafka through kafka-python, kept off the event loop.

kafka-python is a blocking client. The producer hands records to its own sender thread and reports each one's
acknowledgement on a future; `send_batch` appends a batch in a worker thread (`asyncio.to_thread`: appending can
block while the topic's metadata is fetched) and then waits on the event loop for the acknowledgements, so any
number of batches wait at once and none waits for another's records. The producer keeps per-key order under
retries (idempotent, acks=all; an idempotent producer keeps order with up to five requests in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

# kafka-python's version probe misreads Kafka 4.x brokers; every broker we support speaks this API level.
API_VERSION = (2, 8, 0)


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
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()  # batches are appended from several worker threads

    def _ensure(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    api_version=API_VERSION,
                    acks="all",
                    enable_idempotence=True,
                    retries=5,
                    max_in_flight_requests_per_connection=5,
                    linger_ms=2,
                    request_timeout_ms=int(self.timeout_seconds * 1000),
                    max_block_ms=int(self.timeout_seconds * 1000),
                    reconnect_backoff_max_ms=2000,
                    # kafka-python's own metrics are read by nobody here, and recording them is Python work on
                    # every request and batch in its network thread, which holds the GIL against the event loop.
                    metrics_enabled=False,
                )
            return self._producer

    def _append(self, messages: Sequence[OutgoingMessage], acks: _BatchAcks) -> KafkaProducer:
        """Appends the batch to the producer; every message's outcome goes to `acks`."""
        producer = self._ensure()
        for m in messages:
            sent = producer.send(m.topic, key=m.key, value=m.value, headers=list(m.headers))
            sent.add_callback(acks.acked)
            sent.add_errback(acks.failed)
        return producer

    def _reset(self, broken: KafkaProducer | None = None) -> None:
        """Closes the producer (`broken`: only if it is still that one: batches failing together reset it once)."""
        with self._lock:
            producer = self._producer
            if producer is None or (broken is not None and producer is not broken):
                return
            self._producer = None
        # Closing a broken producer must not mask the error that broke it.
        with contextlib.suppress(Exception):
            producer.close(timeout=0)

    async def send_batch(self, messages: Sequence[OutgoingMessage]) -> None:
        """Sends in order and returns once all are acknowledged; raises KafkaPublishError otherwise."""
        if not messages:
            return
        acks = _BatchAcks(asyncio.get_running_loop(), len(messages))
        producer: KafkaProducer | None = None
        try:
            producer = await asyncio.to_thread(self._append, messages, acks)
            async with asyncio.timeout(self.timeout_seconds):
                await acks.future
        except (KafkaError, KafkaPublishError, OSError, TimeoutError) as exc:
            await asyncio.to_thread(self._reset, producer)
            raise KafkaPublishError(str(exc) or type(exc).__name__) from exc

    def _send_and_flush(self, messages: Sequence[OutgoingMessage]) -> int:
        producer = self._ensure()
        try:
            sent = [producer.send(m.topic, key=m.key, value=m.value, headers=list(m.headers)) for m in messages]
            producer.flush(timeout=self.timeout_seconds)
        except (KafkaError, OSError) as exc:
            self._reset(producer)
            raise KafkaPublishError(str(exc) or type(exc).__name__) from exc
        failed = sum(1 for f in sent if not f.is_done or f.failed())
        if failed:
            self._reset(producer)
        return failed

    async def send_batch_in_thread(self, messages: Sequence[OutgoingMessage]) -> int:
        """Sends and waits for the acknowledgements in a worker thread, none of them on the event loop (a
        per-message acknowledgement costs the loop a wake-up each: for fire-and-forget events that is most of their
        cost); returns how many were not acknowledged. Raises KafkaPublishError when the batch could not be sent."""
        if not messages:
            return 0
        return await asyncio.to_thread(self._send_and_flush, messages)

    async def close(self) -> None:
        await asyncio.to_thread(self._reset)


class _BatchAcks:
    """A batch's acknowledgements, counted on the producer's sender thread (where kafka-python calls back, or at once
    when a message is already settled): the event loop is woken once per batch, when the last message is
    acknowledged or the first one fails, rather than once per message."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int):
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()
        self._remaining = count
        self._settled = False
        self._lock = threading.Lock()

    def acked(self, _metadata: Any) -> None:
        with self._lock:
            self._remaining -= 1
            if self._remaining > 0 or self._settled:
                return
            self._settled = True
        self.loop.call_soon_threadsafe(_settle, self.future, None)

    def failed(self, exc: Any) -> None:
        with self._lock:
            if self._settled:
                return
            self._settled = True
        self.loop.call_soon_threadsafe(_settle, self.future, exc)


def _settle(ack: asyncio.Future[None], exc: Any) -> None:
    if ack.done():  # cancelled: the batch gave up waiting
        return
    if exc is None:
        ack.set_result(None)
    else:
        ack.set_exception(exc if isinstance(exc, BaseException) else KafkaPublishError(str(exc)))
