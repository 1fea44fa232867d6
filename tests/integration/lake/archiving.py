"""An archiver and its consumer, built from the lake's parts against the real Kafka and S3 (what wiring.build does,
minus the server), so a test can crash one at a chosen point."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
from feedmesh.events.internal.v1 import events_pb2

from services.common.kafka_consumer import EventConsumer
from services.common.lake_reader import list_files
from services.lake.adapters.kafka_offsets import KafkaOffsets
from services.lake.adapters.metrics import PrometheusArchiveMetrics
from services.lake.adapters.s3_lake import S3Lake
from services.lake.app.archiver import Archiver
from services.lake.app.flush import Flush
from tests.integration.lake.conftest import TOPIC, LakeEnv


class CrashingLake(S3Lake):
    """The real store, until `crash_after` more tables are written: then the next put kills the consumer (no commit
    from now on) and fails, as if the process died in the middle of a flush."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.crash_after: int | None = None
        self.consumer: EventConsumer[events_pb2.Event] | None = None

    async def put_table(self, key: str, table: pa.Table) -> None:
        if self.crash_after is not None:
            if self.crash_after <= 0:
                assert self.consumer is not None
                self.consumer.kill()
                raise RuntimeError("crashed mid-flush")
            self.crash_after -= 1
        await super().put_table(key, table)


@dataclass
class Running:
    archiver: Archiver
    consumer: EventConsumer[events_pb2.Event]
    offsets: KafkaOffsets

    async def flush(self) -> None:
        await Flush(self.archiver, self.offsets, within_seconds=60)()

    async def stop(self) -> None:
        await self.archiver.close()
        await self.consumer.stop()
        await self.offsets.close()


async def start(env: LakeEnv, group: str, store: S3Lake) -> Running:
    archiver = Archiver(store, PrometheusArchiveMetrics(), max_age_seconds=3600)
    consumer = EventConsumer(
        bootstrap=env.stack.kafka_bootstrap,
        service="lake",
        topics=[TOPIC],
        group=group,
        message=events_pb2.Event,
        handler=archiver.handle,
        pipeline_depth=archiver.max_batches + 1,
        batch_size=7,  # small batches: a run spans several, as in production
    )
    if isinstance(store, CrashingLake):
        store.consumer = consumer
    consumer.start()
    assert await consumer.wait_assigned(30), "the lake consumer got no partitions"
    return Running(archiver, consumer, KafkaOffsets(env.stack.kafka_bootstrap, [TOPIC], group))


def raw_rows(env: LakeEnv, event_type: str) -> pa.Table:
    """Every row of every file of the type, as stored: no dedupe."""
    paths = [i.path for i in list_files(env.fs, env.lake_bucket, f"events/{event_type}") if i.path.endswith(".parquet")]
    if not paths:
        return pa.table({"event_id": pa.array([], pa.string())})
    return pads.dataset(paths, filesystem=env.fs, format="parquet").to_table()


async def copies(env: LakeEnv, event_types: list[str], wanted: set[str]) -> Counter[str]:
    """How many stored rows each of `wanted`'s event ids has."""
    tables = await asyncio.gather(*(asyncio.to_thread(raw_rows, env, t) for t in event_types))
    return Counter(e for table in tables for e in table.column("event_id").to_pylist() if e in wanted)
