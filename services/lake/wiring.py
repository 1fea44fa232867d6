"""The lake service's composition root: the S3 filesystem, the archiver behind the consumer of the lake's topics, the
flush and compaction timers, and the LakeService; closed with the server in reverse order (the archiver writes what
it holds before the consumer stops and commits)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from feedmesh.events.internal.v1 import events_pb2
from feedmesh.lake.internal.v1 import lake_service_pb2_grpc as pb_grpc

from services.common.kafka import KafkaPublisher
from services.common.kafka_consumer import DeadLetters, EventConsumer
from services.common.lake_reader import filesystem
from services.common.periodic import PeriodicTask
from services.common.server import Closer, GrpcServer, ServiceBinding, build_or_close
from services.lake.adapters.kafka_offsets import KafkaOffsets
from services.lake.adapters.metrics import PrometheusArchiveMetrics
from services.lake.adapters.s3_lake import S3Lake
from services.lake.api.servicer import SERVICE_NAME, LakeServicer
from services.lake.app.archiver import Archiver
from services.lake.app.compaction import Compactor
from services.lake.app.flush import Flush
from services.lake.settings import LakeSettings

FLUSH_TICK_SECONDS = 1.0  # how often the archiver looks for buffers past their age limit


async def build(settings: LakeSettings) -> GrpcServer:
    return await build_or_close(lambda closers: _build(settings, closers))


async def _build(settings: LakeSettings, closers: list[Closer]) -> GrpcServer:
    store = S3Lake(await asyncio.to_thread(filesystem, settings), settings.lake_bucket)
    offsets = KafkaOffsets(settings.kafka_bootstrap, settings.lake_topics, settings.consumer_group)
    closers.append(offsets.close)
    archiver = Archiver(
        store,
        PrometheusArchiveMetrics(),
        max_events=settings.flush_max_events,
        max_age_seconds=settings.flush_max_age_seconds,
        max_batches=settings.flush_max_batches,
        upload_concurrency=settings.upload_concurrency,
    )
    closers.append(PeriodicTask("lake-flush", archiver.flush_if_due, FLUSH_TICK_SECONDS).start().stop)
    if settings.compact_every_seconds > 0:
        retention = timedelta(days=settings.events_retention_days) if settings.events_retention_days else None
        compactor = Compactor(store, grace=timedelta(seconds=settings.compact_grace_seconds), retention=retention)
        compaction = PeriodicTask("lake-compaction", compactor.upkeep, settings.compact_every_seconds)
        closers.append(compaction.start().stop)

    dead_letters = KafkaPublisher(settings.kafka_bootstrap, client_id="feedmesh-lake-dead-letters")
    closers.append(dead_letters.close)
    consumer = EventConsumer(
        bootstrap=settings.kafka_bootstrap,
        service=settings.service_name,
        topics=settings.lake_topics,
        group=settings.consumer_group,
        message=events_pb2.Event,
        handler=archiver.handle,
        batch_size=settings.consumer_batch_size,
        # One more than the archiver lets wait: it flushes before the consumer would block on the oldest batch.
        pipeline_depth=settings.flush_max_batches + 1,
        dead_letters=DeadLetters(dead_letters, settings.dead_letter_topic),
        poison_after=settings.poison_after_failures,
        offset_reset=settings.consumer_offset_reset,
        # Nobody waits for the lake: fewer, larger fetches cost the shared CPU less (the broker still answers within
        # fetch_max_wait_ms, 500 ms, so a Flush is not held up).
        fetch_min_bytes=64 * 1024,
    )
    consumer.start()
    closers.append(consumer.stop)
    closers.append(archiver.close)  # closed first: what it cannot write is not committed by the consumer's stop
    if settings.consumer_ready_seconds > 0:
        await consumer.wait_assigned(settings.consumer_ready_seconds)

    servicer = LakeServicer(Flush(archiver, offsets, within_seconds=settings.flush_timeout_seconds))
    server = GrpcServer(
        settings=settings,
        bindings=[ServiceBinding(SERVICE_NAME, lambda s: pb_grpc.add_LakeServiceServicer_to_server(servicer, s))],
    )
    for close in closers:
        server.add_closer(close)
    return server
