"""The archiver: the lake consumer's handler. It buffers events per partition and returns, for each batch, what is
left of it: a future that completes once every event of the batch is uploaded. The consumer (pipelined, see
services/common/kafka_consumer/pipeline.py) commits a batch's offsets only then, so Kafka's committed offsets never
pass an event that is not in the lake: at least once, and the objects' names make a replay rewrite the same ones
(domain/buffer.py).

A flush happens when the buffers hold `max_events`, when the oldest buffered event waited `max_age_seconds`, when
the consumer's pipeline is about to fill up (then even a run held back to end where an earlier one did is written),
and at every batch while something waits for the lake to catch up (`eager`: the Flush RPC) or the process stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from feedmesh.events.internal.v1 import events_pb2

from services.common.kafka_consumer import ConsumedEvent
from services.common.lake_layout import event_row, hour_of, rows_table
from services.lake.app.ports import ArchiveMetrics, LakeStore
from services.lake.domain.buffer import PartitionBuffer, Plan, Row, Run, plan_key

log = logging.getLogger(__name__)

Partition = tuple[str, int]


@dataclass
class _Waiting:
    """A batch handed back to the consumer unfinished: done once each partition is written through `through`."""

    through: dict[Partition, int]
    done: asyncio.Future[None]


@dataclass
class Written:
    """Totals since the process started."""

    events: int = 0
    files: int = 0


@dataclass
class Archiver:
    store: LakeStore
    metrics: ArchiveMetrics
    max_events: int = 50_000
    max_age_seconds: float = 60.0
    max_batches: int = 50  # unfinished batches before a flush; the consumer's pipeline_depth must be larger
    upload_concurrency: int = 8
    written: Written = field(default_factory=Written)

    def __post_init__(self) -> None:
        self.buffers: dict[Partition, PartitionBuffer] = {}
        self.through: dict[Partition, int] = {}  # the last offset uploaded, per partition
        self.waiting: list[_Waiting] = []
        self.oldest: float | None = None  # monotonic time the oldest buffered event arrived
        self.eager_requests = 0
        self.closing = False
        self.lock = asyncio.Lock()
        self.uploads = asyncio.Semaphore(self.upload_concurrency)

    @property
    def buffered(self) -> int:
        return sum(len(b.rows) for b in self.buffers.values())

    async def handle(self, events: list[ConsumedEvent[events_pb2.Event]]) -> Awaitable[None]:
        """Buffers a batch; returns its rest: done once its events are in the lake."""
        through: dict[Partition, int] = {}
        for consumed in events:
            where = (consumed.topic, consumed.partition)
            buffer = self.buffers.get(where) or await self._open(where)
            if self.through.get(where, -1) >= consumed.offset:
                self.through[where] = consumed.offset - 1  # delivered again (a retry): it is written again
            if consumed.event.WhichOneof("payload") is None:
                continue  # nothing to archive (a payload this build does not know); its offset still passes
            when = consumed.event.occur_time.ToDatetime(tzinfo=UTC) if consumed.event.HasField("occur_time") else None
            buffer.add(
                Row(
                    event_type=str(consumed.event.WhichOneof("payload")),
                    hour=hour_of(when or datetime.now(UTC)),
                    offset=consumed.offset,
                    values=event_row(consumed.event, consumed.partition, consumed.offset),
                )
            )
            through[where] = consumed.offset
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(_Waiting(through, done))
        if self.oldest is None and self.buffered:
            self.oldest = time.monotonic()
        self.metrics.buffered(self.buffered)
        full = len(self.waiting) >= self.max_batches
        if full or self.eager_requests or self.closing or self.buffered >= self.max_events:
            try:
                await self.flush(force=full)
            except Exception:  # the store is down: the batch stays unfinished and the timer tries again
                log.exception("lake flush failed; retrying")
        else:
            self._settle()
        if self.closing:
            self._abandon()
        return done

    async def _open(self, where: Partition) -> PartitionBuffer:
        """A partition's buffer, with the plan a predecessor may have left (read once per partition)."""
        text = await self.store.get_text(plan_key(*where))
        buffer = PartitionBuffer(*where, runs=Plan.from_json(text).runs if text else {})
        self.buffers[where] = buffer
        return buffer

    def due(self) -> bool:
        return self.oldest is not None and time.monotonic() - self.oldest >= self.max_age_seconds

    async def flush(self, *, force: bool = False) -> Written:
        """Uploads what may be written now; returns what it wrote. On an upload failure the runs go back into their
        buffers (their batches stay unfinished, so nothing is committed) and the error is raised."""
        async with self.lock:
            started = time.perf_counter()
            runs: list[Run] = []
            plans: list[Plan] = []
            for buffer in self.buffers.values():
                taken = buffer.take_all(force=force)
                if taken:
                    runs += taken
                    plans.append(buffer.plan())
            self.oldest = time.monotonic() if self.buffered else None
            try:
                flushed = await self._upload(runs, plans)
            except BaseException:
                for run in runs:
                    self.buffers[(run.topic, run.partition)].restore(run)
                self.oldest = self.oldest or time.monotonic()
                raise
            for run in runs:
                self.through[(run.topic, run.partition)] = run.last
            self._settle()
            self.written.events += flushed.events
            self.written.files += flushed.files
            if runs:
                self.metrics.flushed(time.perf_counter() - started)
            self.metrics.buffered(self.buffered)
            return flushed

    async def _upload(self, runs: list[Run], plans: list[Plan]) -> Written:
        if not runs:
            return Written()
        # The plans first: an object of a run is never in the lake without the plan that says where the run ends.
        await asyncio.gather(
            *(self._bounded(self.store.put_text(plan_key(p.topic, p.partition), p.to_json())) for p in plans)
        )
        objects = [(key, kind, rows) for run in runs for key, (kind, rows) in run.objects().items()]
        await asyncio.gather(
            *(self._bounded(self.store.put_table(key, rows_table(kind, rows))) for key, kind, rows in objects)
        )
        for _, kind, rows in objects:
            self.metrics.written(kind, len(rows), 1)
        return Written(events=sum(len(rows) for _, _, rows in objects), files=len(objects))

    async def _bounded(self, upload: Awaitable[None]) -> None:
        async with self.uploads:
            await upload

    def _settle(self) -> None:
        """Completes, in order, the batches whose every partition is written through."""
        while self.waiting:
            oldest = self.waiting[0]
            if any(self.through.get(where, -1) < offset for where, offset in oldest.through.items()):
                return
            self.waiting.pop(0)
            if not oldest.done.done():
                oldest.done.set_result(None)

    @contextlib.asynccontextmanager
    async def eager(self) -> AsyncIterator[None]:
        """While inside, every batch is flushed as it arrives."""
        self.eager_requests += 1
        try:
            yield
        finally:
            self.eager_requests -= 1

    async def flush_if_due(self) -> None:
        """Flushes buffers whose oldest event waited `max_age_seconds` (called every second or so)."""
        if self.due():
            await self.flush()

    def _abandon(self) -> None:
        """Stopping: the batches not written yet fail, so the consumer commits none of them and a successor reads
        them again (a run held back to end where an earlier one did is not cut short: the successor cuts it there)."""
        for waiting in self.waiting:
            if not waiting.done.done():
                waiting.done.set_exception(ArchiverStopped("the lake archiver stopped before writing the batch"))
        self.waiting.clear()

    async def close(self) -> None:
        """From now on every batch is written at once; what is buffered is written now, and what cannot be is left to
        the next process."""
        self.closing = True
        try:
            await self.flush()
        finally:
            self._abandon()


class ArchiverStopped(Exception):
    """A batch the archiver did not write because it stopped."""
