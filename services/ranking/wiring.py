"""The ranking service's composition root: the Redis connection, the S3 client, the model registry and the
experiments watcher are created once here; the first model and the experiments are loaded before serving (so the
first request already scores with them), then polled; all of it is closed with the server in reverse order."""

from __future__ import annotations

from pathlib import Path

from feedmesh.ranking.internal.v1 import ranking_service_pb2_grpc

from services.common.periodic import PeriodicTask
from services.common.redis_mux import RedisMux
from services.common.s3 import make_client
from services.common.server import Closer, GrpcServer, ServiceBinding
from services.ranking.adapters.experiments_file import ExperimentsFile, resolve
from services.ranking.adapters.lightgbm_model import load_lightgbm
from services.ranking.adapters.redis_features import RedisFeatures
from services.ranking.adapters.s3_models import S3ModelStore
from services.ranking.api.servicer import SERVICE_NAME, RankingServicer
from services.ranking.app.experiments import Experiments
from services.ranking.app.features import CachedFeatures
from services.ranking.app.models import ModelRegistry
from services.ranking.app.scoring import ScorePosts
from services.ranking.settings import RankingSettings

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


async def build(settings: RankingSettings) -> GrpcServer:
    closers: list[Closer] = []
    redis = RedisMux(settings.redis_url, sentinel=settings.sentinel())  # connects on first use
    closers.append(redis.close)
    s3 = make_client(
        settings.s3_endpoint,
        settings.s3_region,
        settings.s3_access_key,
        settings.s3_secret_key,
        max_connections=4,
        timeout_seconds=settings.s3_timeout_seconds,
    )
    models = ModelRegistry(S3ModelStore(s3, settings.models_bucket), load_lightgbm)
    experiments = Experiments(ExperimentsFile(resolve(settings.experiments_file, REPOSITORY_ROOT)), on_pins=models.pin)
    await experiments.reload()
    await models.refresh()
    features = CachedFeatures(
        RedisFeatures(redis), size=settings.features_cache_size, max_age_seconds=settings.features_cache_seconds
    )
    await features.follow_runs()
    score = ScorePosts(features, models, experiments)
    servicer = RankingServicer(
        score, default_budget_seconds=settings.score_budget_seconds, reserve_seconds=settings.score_reserve_seconds
    )
    server = GrpcServer(
        settings=settings,
        bindings=[
            ServiceBinding(
                SERVICE_NAME, lambda s: ranking_service_pb2_grpc.add_RankingServiceServicer_to_server(servicer, s)
            )
        ],
    )
    closers.append(PeriodicTask("ranking-models", models.refresh, settings.models_poll_seconds).start().stop)
    closers.append(
        PeriodicTask("ranking-feature-runs", features.follow_runs, settings.models_poll_seconds).start().stop
    )
    closers.append(
        PeriodicTask("ranking-experiments", experiments.reload, settings.experiments_poll_seconds).start().stop
    )
    for close in closers:
        server.add_closer(close)
    return server
