"""Live delivery over Redis pub/sub: the consumer publishes every new notification on one channel; each process
that holds live streams listens once (started with its first stream) and hands each notification to the queues
of its recipient's streams. A stream that misses a message while its process reconnects gets the notification on
its client's next list read: the stream is a hint, the store is the record."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.common import redis_keys
from services.common.polling import WaitTimeout, wait_until
from services.notification.domain.model import Kind, Notification

log = logging.getLogger(__name__)

_QUEUE_MAX = 1000  # per stream: a client that stops reading loses the oldest, not the process's memory


def encode(n: Notification) -> str:
    return json.dumps(
        {"i": n.id, "r": n.recipient_id, "k": n.kind.value, "a": n.actor_id, "p": n.post_id, "c": n.comment_id}
    )


def decode(raw: bytes | str) -> Notification:
    value = json.loads(raw)
    return Notification(
        id=value["i"],
        recipient_id=value["r"],
        kind=Kind(value["k"]),
        actor_id=value["a"],
        post_id=value["p"],
        comment_id=value["c"],
    )


class QueueSubscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Notification] = asyncio.Queue(_QUEUE_MAX)

    def offer(self, notification: Notification) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(notification)

    async def next(self, within: float) -> Notification | None:
        try:
            async with asyncio.timeout(within):
                return await self.queue.get()
        except TimeoutError:
            return None


class RedisLiveFeed:
    def __init__(self, redis: Redis, channel: str = redis_keys.NOTIFICATION_LIVE):
        self.redis = redis
        self.channel = channel
        self._streams: dict[int, set[QueueSubscription]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def publish(self, notifications: Sequence[Notification]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for n in notifications:
                pipe.publish(self.channel, encode(n))
            await pipe.execute()

    @contextlib.asynccontextmanager
    async def subscribe(self, recipient_id: int) -> AsyncIterator[QueueSubscription]:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="notification-live-listener")
        await self._subscribed.wait()
        subscription = QueueSubscription()
        self._streams.setdefault(recipient_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            streams = self._streams.get(recipient_id, set())
            streams.discard(subscription)
            if not streams:
                self._streams.pop(recipient_id, None)

    async def _listen(self) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            self._subscribed.set()
            while True:
                try:
                    message = await pubsub.get_message(timeout=1.0)
                except (RedisError, OSError) as exc:  # redis-py reconnects and resubscribes on the next call
                    log.warning("live channel read failed", extra={"error": str(exc)})
                    await self._redis_back()
                    continue
                if message is None or message.get("type") != "message":
                    continue
                notification = decode(message["data"])
                for subscription in self._streams.get(notification.recipient_id, ()):
                    subscription.offer(notification)
        finally:
            await pubsub.aclose()

    async def _redis_back(self) -> None:
        async def answers() -> bool:
            try:
                return bool(await self.redis.ping())
            except (RedisError, OSError):
                return False

        with contextlib.suppress(WaitTimeout):
            await wait_until(answers, what="Redis answering again", within=30, interval=1)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
