"""What the ranking benchmark sets up: a synthetic model of a realistic size published to a bucket of the bench's
own (the stack's models bucket is the training job's), the ranking service restarted to read that bucket (and
restored afterwards), and features for the socfb readers in Redis, as the feature job would write them."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

import grpc
import lightgbm
import numpy as np
from feedmesh.ranking.internal.v1 import ranking_service_pb2, ranking_service_pb2_grpc

from bench import stack_ctl
from bench.env import Bench
from services.common import redis_keys
from services.common.polling import wait_for
from services.common.ranking_features import AFFINITY, AUTHOR, FEATURE_NAMES, pack
from services.common.ranking_models import LATEST_POINTER, ModelMetadata, metadata_key, model_key, new_version
from stack import clients
from stack.settings import load_settings

BENCH_MODELS_BUCKET = "feedmesh-bench-models"
MODELS_BUCKET_VAR = "FEEDMESH_MODELS_BUCKET"
FEATURES_TTL_SECONDS = 1800  # gone within the half hour: the feature job's own run replaces them anyway


def train_synthetic(trees: int, leaves: int) -> lightgbm.Booster:
    """A model of the size a real one would be (trees x leaves) on FEATURE_NAMES: what scoring costs depends on
    that, not on what it learnt."""
    rng = np.random.default_rng(3)
    rows = rng.random((20_000, len(FEATURE_NAMES)))
    score = rows[:, FEATURE_NAMES.index("aff_likes_30d")] - rows[:, FEATURE_NAMES.index("age_hours")]
    labels = (score + rng.normal(0, 0.3, len(rows)) > 0).astype(int)
    params = {"objective": "binary", "num_leaves": leaves, "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5}
    return lightgbm.train(params, lightgbm.Dataset(rows, labels, feature_name=list(FEATURE_NAMES)), trees)


def publish_synthetic(trees: int, leaves: int) -> str:
    """Publishes the model to the bench's bucket (created if missing); returns its version."""
    s3 = clients.s3_client(load_settings())
    try:
        s3.head_bucket(Bucket=BENCH_MODELS_BUCKET)
    except Exception:
        s3.create_bucket(Bucket=BENCH_MODELS_BUCKET)
    booster = train_synthetic(trees, leaves)
    now = datetime.now(UTC)
    version = new_version(now)
    metadata = ModelMetadata(
        version=version,
        feature_names=list(FEATURE_NAMES),
        trained_at=now.isoformat(),
        data_until=now.isoformat(),
        training_rows=20_000,
        holdout_rows=0,
        params={"synthetic": True, "trees": trees, "leaves": leaves},
    )
    s3.put_object(Bucket=BENCH_MODELS_BUCKET, Key=model_key(version), Body=booster.model_to_string().encode())
    s3.put_object(Bucket=BENCH_MODELS_BUCKET, Key=metadata_key(version), Body=metadata.to_json().encode())
    s3.put_object(Bucket=BENCH_MODELS_BUCKET, Key=LATEST_POINTER, Body=version.encode())
    return version


def use_bench_models(on: bool) -> float:
    """Restarts the ranking service reading the bench's bucket (on) or the stack's (off); returns seconds."""
    return stack_ctl.restart(("ranking",), {MODELS_BUCKET_VAR: BENCH_MODELS_BUCKET if on else None})


async def wait_for_model(target: str, version: str, within: float = 60) -> float:
    """Waits until the ranking service scores with `version`; returns the seconds waited."""
    started = asyncio.get_running_loop().time()
    async with grpc.aio.insecure_channel(target) as channel:
        stub = ranking_service_pb2_grpc.RankingServiceStub(channel)
        candidate = ranking_service_pb2.RankingCandidate(post_id=1, author_id=2)
        request = ranking_service_pb2.ScorePostsRequest(viewer_id=1, candidates=[candidate])

        async def model_in_use() -> str:
            try:
                return str((await stub.ScorePosts(request, timeout=2)).model_version)
            except grpc.aio.AioRpcError as exc:
                return exc.code().name

        await wait_for(model_in_use, lambda v: v == version, what=f"ranking scoring with {version}", within=within)
    return asyncio.get_running_loop().time() - started


async def write_features(bench: Bench, reed_followers: dict[int, list[int]]) -> dict[str, Any]:
    """Affinity of every socfb follower to each author they follow, and every author's features: random values of
    the feature job's layout, with a TTL."""
    rng = random.Random(5)
    fields = 0
    async with bench.redis.pipeline(transaction=False) as pipe:
        for author, followers in reed_followers.items():
            pipe.set(redis_keys.ranking_author(author), pack([rng.random() for _ in AUTHOR]), ex=FEATURES_TTL_SECONDS)
            for follower in followers:
                affinity = [float(rng.randint(0, 5)) for _ in AFFINITY]
                pipe.hset(redis_keys.ranking_affinity(follower), str(author), pack(affinity))
                fields += 1
        for follower in {f for followers in reed_followers.values() for f in followers}:
            pipe.expire(redis_keys.ranking_affinity(follower), FEATURES_TTL_SECONDS)
        await pipe.execute()
    return {"authors": len(reed_followers), "affinity_pairs": fields, "ttl_seconds": FEATURES_TTL_SECONDS}
