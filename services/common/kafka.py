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
                )
            return self._producer

    def _append(
        self, messages: Sequence[OutgoingMessage], loop: asyncio.AbstractEventLoop
    ) -> tuple[KafkaProducer, list[asyncio.Future[None]]]:
        """Appends the batch to the producer; one event-loop future per message, settled by its acknowledgement."""
        producer = self._ensure()
        acks: list[asyncio.Future[None]] = []
        for m in messages:
            ack: asyncio.Future[None] = loop.create_future()
            sent = producer.send(m.topic, key=m.key, value=m.value, headers=list(m.headers))
            sent.add_callback(_acked, loop, ack)
            sent.add_errback(_failed, loop, ack)
            acks.append(ack)
        return producer, acks

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
        loop = asyncio.get_running_loop()
        producer: KafkaProducer | None = None
        acks: list[asyncio.Future[None]] = []
        try:
            producer, acks = await asyncio.to_thread(self._append, messages, loop)
            async with asyncio.timeout(self.timeout_seconds):
                await asyncio.gather(*acks)
        except (KafkaError, KafkaPublishError, OSError, TimeoutError) as exc:
            for ack in acks:  # the others' outcome is of no interest any more
                if not ack.done():
                    ack.cancel()
                elif not ack.cancelled():
                    ack.exception()
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


def _acked(loop: asyncio.AbstractEventLoop, ack: asyncio.Future[None], _metadata: Any) -> None:
    """kafka-python's callback, on the producer's sender thread (or at once when already acknowledged)."""
    loop.call_soon_threadsafe(_settle, ack, None)


def _failed(loop: asyncio.AbstractEventLoop, ack: asyncio.Future[None], exc: Any) -> None:
    """kafka-python's errback, on the producer's sender thread (or at once when already failed)."""
    loop.call_soon_threadsafe(_settle, ack, exc)


def _settle(ack: asyncio.Future[None], exc: Any) -> None:
    if ack.done():  # cancelled: the batch gave up waiting
        return
    if exc is None:
        ack.set_result(None)
    else:
        ack.set_exception(exc if isinstance(exc, BaseException) else KafkaPublishError(str(exc)))
