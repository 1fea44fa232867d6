"""Kafka through kafka-python, kept off the event loop.

kafka-python is a blocking client: every call runs in a worker thread (`asyncio.to_thread`). The producer is
configured for per-key order under retries (idempotent, acks=all, one request in flight per connection).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

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

    def _ensure(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=self.client_id,
                api_version=API_VERSION,
                acks="all",
                retries=5,
                max_in_flight_requests_per_connection=1,
                linger_ms=2,
                request_timeout_ms=int(self.timeout_seconds * 1000),
                max_block_ms=int(self.timeout_seconds * 1000),
                reconnect_backoff_max_ms=2000,
            )
        return self._producer

    def _send_batch(self, messages: Sequence[OutgoingMessage]) -> None:
        try:
            producer = self._ensure()
            futures = [producer.send(m.topic, key=m.key, value=m.value, headers=list(m.headers)) for m in messages]
            producer.flush(timeout=self.timeout_seconds)
            for future in futures:
                future.get(timeout=self.timeout_seconds)
        except (KafkaError, OSError) as exc:
            self._reset()
            raise KafkaPublishError(str(exc)) from exc

    def _reset(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            # Closing a broken producer must not mask the error that broke it.
            with contextlib.suppress(Exception):
                producer.close(timeout=0)

    async def send_batch(self, messages: Sequence[OutgoingMessage]) -> None:
        """Sends in order and returns once all are acknowledged; raises KafkaPublishError otherwise."""
        if messages:
            await asyncio.to_thread(self._send_batch, messages)

    async def close(self) -> None:
        await asyncio.to_thread(self._reset)
