"""Fire-and-forget events (e.g. the timeline's feed impressions): a request hands its items to `offer`, which only
appends them to a bounded queue; a background task encodes them and sends them in batches through a KafkaPublisher.
Nothing on the request path waits for Kafka, encodes or allocates more than the queue entry: while Kafka is down the
batches fail after the publisher's timeout, the queue fills up to `max_pending` and further items are dropped
(counted), so an outage costs events, never reads. Not for events that must not be lost (those go through the
outbox)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from services.common.kafka import KafkaPublisher, KafkaPublishError, OutgoingMessage

log = logging.getLogger(__name__)

T = TypeVar("T")
Outcome = Callable[[str, int], None]  # ("sent" | "dropped" | "failed", how many)


@dataclass(kw_only=True)
class BatchingPublisher(Generic[T]):
    publisher: KafkaPublisher
    encode: Callable[[T], OutgoingMessage]
    count: Outcome
    max_pending: int = 50_000
    batch_size: int = 500
    linger_seconds: float = 0.2
    max_backoff_seconds: float = 30.0
    _pending: collections.deque[T] = field(default_factory=collections.deque, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def offer(self, items: Sequence[T]) -> None:
        """Queues the items, or drops those past `max_pending`. Never blocks."""
        room = self.max_pending - len(self._pending)
        if room < len(items):
            self.count("dropped", len(items) - max(room, 0))
            items = items[: max(room, 0)]
        self._pending.extend(items)
        if len(self._pending) >= self.batch_size:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kafka-batcher")

    async def _run(self) -> None:
        backoff = 0.0
        while True:
            if backoff:
                await asyncio.sleep(backoff)
            elif len(self._pending) < self.batch_size:
                # A batch's worth, or whatever came within the linger: few, large sends at a light load.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.linger_seconds)
            self._wake.clear()
            if not self._pending:
                continue
            ok = await self._send_one_batch()
            backoff = 0.0 if ok else min(self.max_backoff_seconds, max(1.0, backoff * 2))

    async def _send_one_batch(self) -> bool:
        batch = [self._pending.popleft() for _ in range(min(self.batch_size, len(self._pending)))]
        try:
            failed = await self.publisher.send_batch_in_thread([self.encode(item) for item in batch])
        except KafkaPublishError as exc:
            failed = len(batch)
            log.warning("events dropped: Kafka did not take them", extra={"events": len(batch), "error": str(exc)})
        if failed:
            self.count("failed", failed)
        if failed < len(batch):
            self.count("sent", len(batch) - failed)
        return failed == 0

    async def stop(self, drain_seconds: float = 2.0) -> None:
        """Stops the task after trying, for up to `drain_seconds`, to send what is queued."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_seconds):
                while self._pending and await self._send_one_batch():
                    pass
        if self._pending:
            self.count("dropped", len(self._pending))
            self._pending.clear()
