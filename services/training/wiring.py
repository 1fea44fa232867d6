"""The training service's composition root: the offline chain's adapters (lake, Redis, models bucket, the lake
service's Flush) and its schedule; the service itself serves only gRPC health. `open_chain` is also what
`feedmesh admin train` runs once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from services.common.lake_reader import filesystem
from services.common.periodic import PeriodicTask
from services.common.redis import create_redis
from services.common.server import GrpcServer
from services.training.adapters.lake_client import LakeClient
from services.training.adapters.metrics import PrometheusTrainingMetrics
from services.training.adapters.redis_features import RedisFeatures
from services.training.adapters.redis_lock import RedisRunLock
from services.training.adapters.s3_stores import S3LakeFrames, S3Models
from services.training.app.chain import OfflineChain
from services.training.app.schedule import run_once
from services.training.settings import TrainingSettings

RUN_LOCK_SECONDS = 3600.0  # longer than any run should take; a run that dies holding the lock frees it by then


async def open_chain(
    settings: TrainingSettings, *, flush: bool = True
) -> tuple[OfflineChain, Callable[[], Awaitable[None]]]:
    """The chain and what closes its clients. `flush=False`: read the lake as it is, without asking the lake
    service to write what it buffers first."""
    fs = await asyncio.to_thread(filesystem, settings)
    redis = create_redis(settings.redis_url, sentinel=settings.sentinel(), max_connections=4)
    chain = OfflineChain(
        settings=settings,
        flusher=LakeClient(settings.lake_target, settings.flush_timeout_seconds) if flush else None,
        lake=S3LakeFrames(fs, settings.lake_bucket),
        features=RedisFeatures(redis),
        models=S3Models(fs, settings.models_bucket),
        lock=RedisRunLock(redis, settings.models_bucket, ttl_seconds=RUN_LOCK_SECONDS),
    )
    return chain, redis.aclose


async def build(settings: TrainingSettings) -> GrpcServer:
    chain, close_clients = await open_chain(settings)
    server = GrpcServer(settings=settings, bindings=[])
    server.add_closer(close_clients)
    if settings.train_every_seconds > 0:
        # A run cancelled by a stop publishes nothing: the model is the chain's last write.
        metrics = PrometheusTrainingMetrics()
        schedule = PeriodicTask("training", lambda: run_once(chain, metrics), settings.train_every_seconds)
        server.add_closer(schedule.start().stop)
    return server
