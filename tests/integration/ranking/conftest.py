"""The ranking service started in-process on port 0 against the real Redis and S3 store, with a models bucket of
its own (the stack's may hold a real model), an experiments file in the test's directory, and fast polling.

`ModelShelf` publishes small LightGBM models the way the training job does (services.common.ranking_models: the two
objects, then the LATEST pointer)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import lightgbm
import numpy as np
import pytest
from feedmesh.ranking.internal.v1 import ranking_service_pb2_grpc

from services.common.ranking_features import FEATURE_NAMES
from services.common.ranking_models import LATEST_POINTER, ModelMetadata, metadata_key, model_key
from services.ranking.settings import RankingSettings
from services.ranking.wiring import build as build_ranking
from stack.settings import StackSettings
from tests.integration.harness import start_service

POLL_SECONDS = 0.05


def train(feature: str, rounds: int = 20) -> lightgbm.Booster:
    """A small model whose score rises with `feature` (and nothing else)."""
    rng = np.random.default_rng(7)
    rows = rng.random((2000, len(FEATURE_NAMES))) * 10
    labels = (rows[:, FEATURE_NAMES.index(feature)] > 5).astype(int)
    data = lightgbm.Dataset(rows, labels, feature_name=list(FEATURE_NAMES))
    params = {"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 20}
    return lightgbm.train(params, data, num_boost_round=rounds)


@dataclass
class ModelShelf:
    s3: Any
    bucket: str

    def publish(self, version: str, booster: lightgbm.Booster, feature_names: list[str] | None = None) -> None:
        metadata = ModelMetadata(
            version=version,
            feature_names=list(FEATURE_NAMES) if feature_names is None else feature_names,
            trained_at=datetime.now(UTC).isoformat(),
            data_until=datetime.now(UTC).isoformat(),
            training_rows=2000,
            holdout_rows=0,
        )
        self.s3.put_object(Bucket=self.bucket, Key=model_key(version), Body=booster.model_to_string().encode())
        self.s3.put_object(Bucket=self.bucket, Key=metadata_key(version), Body=metadata.to_json().encode())
        self.s3.put_object(Bucket=self.bucket, Key=LATEST_POINTER, Body=version.encode())


@pytest.fixture
def shelf(s3_client: Any) -> Iterator[ModelShelf]:
    bucket = f"feedmesh-test-models-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=bucket)
    yield ModelShelf(s3_client, bucket)
    listed = s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])
    for item in listed:
        s3_client.delete_object(Bucket=bucket, Key=item["Key"])
    s3_client.delete_bucket(Bucket=bucket)


@dataclass
class Ranking:
    stub: ranking_service_pb2_grpc.RankingServiceStub
    experiments_file: Path


@pytest.fixture
async def ranking(stack_settings: StackSettings, shelf: ModelShelf, tmp_path: Path) -> AsyncIterator[Ranking]:
    experiments = tmp_path / "experiments.toml"
    server, address = await start_service(
        build_ranking,
        RankingSettings,
        stack_settings,
        models_bucket=shelf.bucket,
        models_poll_seconds=POLL_SECONDS,
        experiments_file=str(experiments),
        experiments_poll_seconds=POLL_SECONDS,
        features_cache_seconds=60,
    )
    channel = grpc.aio.insecure_channel(address)
    try:
        yield Ranking(ranking_service_pb2_grpc.RankingServiceStub(channel), experiments)
    finally:
        await channel.close()
        await server.stop(grace=0)
