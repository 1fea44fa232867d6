"""The transactional outbox: an event commits with the change it describes, and a relay publishes it to Kafka.

Writers call `enqueue_event` on the connection of their unit of work. The relay (one active per producer, elected
with a PostgreSQL advisory lock, so replicas may all run one) publishes unsent rows strictly in id order and only
then stamps them sent; when Kafka is down it keeps retrying the same oldest rows, so nothing is lost and no key's
events are reordered. Delivery is at least once: a crash between the acknowledgement and the stamp resends.
Sent rows stay `keep_sent_seconds` (to see what went out, and when), then the relay deletes them; with 0 it deletes
them as it publishes them (one write per row instead of an update, a delete and the vacuum of both).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from feedmesh.events.internal.v1 import events_pb2
from prometheus_client import Counter, Gauge, Histogram

from services.common.kafka import KafkaPublisher, KafkaPublishError, OutgoingMessage
from services.common.telemetry import inject_context

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "feedmesh_outbox"

OUTBOX_PUBLISHED = Counter("feedmesh_outbox_published_total", "Outbox events published to Kafka", ["producer"])
OUTBOX_FAILURES = Counter("feedmesh_outbox_publish_failures_total", "Failed outbox publish attempts", ["producer"])
OUTBOX_BACKLOG = Gauge("feedmesh_outbox_backlog", "Unsent outbox rows seen by the relay", ["producer"])
OUTBOX_PRUNED = Counter("feedmesh_outbox_pruned_total", "Sent outbox rows deleted after their retention", ["producer"])
OUTBOX_LAG = Histogram(
    "feedmesh_outbox_lag_seconds",
    "Commit-to-Kafka delay of outbox events",
    ["producer"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60),
)


@dataclass(frozen=True)
class OutboxRow:
    """One event as `enqueue_event` writes it, for a statement that writes it itself in a CTE, inserted only when
    its change happened (`args`: producer, topic, msg_key, payload, headers as JSON, and the relay's channel to
    notify, None when the writer wakes the relay itself: `OutboxRelay.wake`)."""

    producer: str
    topic: str
    msg_key: bytes
    payload: bytes
    headers: str
    channel: str | None = NOTIFY_CHANNEL

    def args(self) -> tuple[str, str, bytes, bytes, str, str | None]:
        return (self.producer, self.topic, self.msg_key, self.payload, self.headers, self.channel)


def outbox_row(*, producer: str, topic: str, key: int, event: events_pb2.Event, notify: bool = True) -> OutboxRow:
    """The row of `event`, given an event_id and an occur_time of now unless it has them. `notify`: False when the
    writer wakes the relay itself."""
    if not event.event_id:
        event.event_id = uuid.uuid4().hex
    if not event.HasField("occur_time"):
        event.occur_time.FromNanoseconds(time.time_ns())
    headers = json.dumps(dict(inject_context()))
    return OutboxRow(
        producer, topic, str(key).encode(), event.SerializeToString(), headers, NOTIFY_CHANNEL if notify else None
    )


async def enqueue_event(
    conn: asyncpg.Connection, *, producer: str, topic: str, key: int, event: events_pb2.Event
) -> str:
    """Adds `event` to the outbox inside the caller's transaction; returns its event_id."""
    row = outbox_row(producer=producer, topic=topic, key=key, event=event)
    await conn.execute(
        "INSERT INTO outbox (producer, topic, msg_key, payload, headers) VALUES ($1, $2, $3, $4, $5::jsonb)",
        row.producer,
        row.topic,
        row.msg_key,
        row.payload,
        row.headers,
    )
    await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, producer)
    return event.event_id


async def prune_sent(conn: asyncpg.Connection, producer: str, older_than_seconds: float, limit: int) -> int:
    """Deletes up to `limit` of `producer`'s rows sent more than `older_than_seconds` ago, oldest first; returns
    how many it deleted."""
    status = await conn.execute(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE producer = $1 AND sent_at IS NOT NULL"
        " AND sent_at < now() - make_interval(secs => $2) ORDER BY sent_at LIMIT $3)",
        producer,
        float(older_than_seconds),
        limit,
    )
    return int(status.split()[-1])


class OutboxRelay:
    """Publishes one producer's outbox to Kafka until stopped."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        publisher: KafkaPublisher,
        producer: str,
        *,
        batch_size: int = 500,
        idle_poll_seconds: float = 1.0,
        max_backoff_seconds: float = 2.0,
        keep_sent_seconds: float = 3600.0,
        prune_every_seconds: float = 60.0,
        prune_batch: int = 5_000,
        linger_seconds: float = 0.0,
    ):
        """`linger_seconds`: how long the relay waits after a wake-up or a partial batch before it reads the outbox
        again, so that a stream of events (one per request) goes out in batches rather than one Kafka request and
        two statements per event; it adds as much to each event's commit-to-Kafka delay."""
        self.pool = pool
        self.publisher = publisher
        self.producer = producer
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.keep_sent_seconds = keep_sent_seconds
        self.prune_every_seconds = prune_every_seconds
        self.prune_batch = prune_batch
        self.linger_seconds = linger_seconds
        self._wake = asyncio.Event()
        self._leading = False
        self._task: asyncio.Task[None] | None = None
        self._lock_key = zlib.crc32(f"outbox:{producer}".encode())

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.producer}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def leading(self) -> bool:
        """Whether this relay publishes the producer's rows now (it holds the producer's lock), so that a writer in
        its process may wake it (`wake`) rather than notify through PostgreSQL (about 0.1 ms of CPU a notification,
        in the writer's backend, the relay's backend and the relay's process)."""
        return self._leading

    def wake(self) -> None:
        """Has the relay read the outbox soon: for a writer of this process whose rows did not notify, after its
        transaction committed."""
        self._wake.set()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload == self.producer:
            self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                async with self.pool.acquire() as leader:
                    # Only the lock holder publishes, so one producer's rows leave in one order.
                    while not await leader.fetchval("SELECT pg_try_advisory_lock($1)", self._lock_key):  # noqa: ASYNC110
                        await asyncio.sleep(self.idle_poll_seconds)
                    await leader.add_listener(NOTIFY_CHANNEL, self._on_notify)
                    self._leading = True
                    try:
                        await self._pump(leader)
                    finally:
                        self._leading = False
                        with contextlib.suppress(Exception):
                            await leader.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                            await leader.execute("SELECT pg_advisory_unlock($1)", self._lock_key)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay error; restarting", extra={"producer": self.producer})
                await asyncio.sleep(self.max_backoff_seconds)

    async def _pump(self, conn: asyncpg.Connection) -> None:
        backoff = 0.05
        next_prune = 0.0
        while True:
            if time.monotonic() >= next_prune:
                await self._prune(conn)
                next_prune = time.monotonic() + self.prune_every_seconds
            self._wake.clear()  # before the read: a wake-up during it means rows it may not have seen
            rows = await conn.fetch(
                "SELECT id, topic, msg_key, payload, headers, created_at FROM outbox"
                " WHERE producer = $1 AND sent_at IS NULL ORDER BY id LIMIT $2",
                self.producer,
                self.batch_size,
            )
            OUTBOX_BACKLOG.labels(self.producer).set(len(rows))
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)
                await self._linger()
                continue
            try:
                await self.publisher.send_batch(_messages(rows))
            except KafkaPublishError as exc:
                OUTBOX_FAILURES.labels(self.producer).inc()
                log.warning("kafka unavailable; outbox rows kept", extra={"producer": self.producer, "error": str(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
                continue
            backoff = 0.05
            sent = [r["id"] for r in rows]
            if self.keep_sent_seconds > 0:
                await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", sent)
            else:
                await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", sent)
            now = time.time()
            for row in rows:
                OUTBOX_LAG.labels(self.producer).observe(max(0.0, now - row["created_at"].timestamp()))
            OUTBOX_PUBLISHED.labels(self.producer).inc(len(rows))
            if len(rows) < self.batch_size:
                await self._linger()

    async def _linger(self) -> None:
        if self.linger_seconds > 0:
            await asyncio.sleep(self.linger_seconds)

    async def _prune(self, conn: asyncpg.Connection) -> None:
        """Deletes the sent rows past their retention, a batch at a time so no statement holds locks for long;
        a backlog left after ten batches waits for the next round."""
        try:
            for _ in range(10):
                deleted = await prune_sent(conn, self.producer, self.keep_sent_seconds, self.prune_batch)
                OUTBOX_PRUNED.labels(self.producer).inc(deleted)
                if deleted < self.prune_batch:
                    return
        except (asyncpg.PostgresError, OSError) as exc:  # publishing matters more: try again next round
            log.warning("outbox pruning failed", extra={"producer": self.producer, "error": str(exc)})


def _messages(rows: Sequence[asyncpg.Record]) -> list[OutgoingMessage]:
    out = []
    for row in rows:
        headers = json.loads(row["headers"]) if isinstance(row["headers"], str) else dict(row["headers"])
        out.append(
            OutgoingMessage(
                topic=row["topic"],
                key=bytes(row["msg_key"]),
                value=bytes(row["payload"]),
                headers=[(k, str(v).encode()) for k, v in headers.items()],
            )
        )
    return out
