"""What the training chain forgets in S3: the training sets and models of all but the newest runs, never the model
ranking/LATEST names. Buckets of the test's own."""

from __future__ import annotations

from typing import Any

import polars as pl

from services.common.lake_layout import dataset_key
from services.common.lake_reader import s3_filesystem
from services.training.adapters.s3_stores import S3LakeFrames, S3Models
from services.training.domain.retention import past_the_newest
from stack.settings import StackSettings
from tests.integration.lake.conftest import fresh_buckets

RUNS = [f"20261207T0{hour}0000Z" for hour in range(5)]


async def test_old_training_sets_and_models_go_and_the_model_in_use_stays(
    stack_settings: StackSettings, s3_client: Any
) -> None:
    s = stack_settings
    fs = s3_filesystem(s.s3_endpoint, s.s3_region, s.s3_access_key, s.s3_secret_key)
    with fresh_buckets(s3_client) as (lake_bucket, models_bucket):
        lake, models = S3LakeFrames(fs, lake_bucket), S3Models(fs, models_bucket)
        assert await models.latest() is None
        for run in RUNS:
            await lake.write(dataset_key(run), pl.DataFrame({"label": [0, 1]}))
        for run in RUNS:
            await models.publish(f"r{run}", "model text", "{}")
        await models.publish(f"r{RUNS[0]}", "model text", "{}")  # the oldest is the one in use again
        assert sorted(await lake.dataset_runs()) == RUNS
        assert await models.latest() == f"r{RUNS[0]}"

        await lake.delete_datasets(past_the_newest(await lake.dataset_runs(), keep=2))
        in_use = await models.latest()
        await models.delete(past_the_newest(await models.versions(), keep=2, protected=[in_use] if in_use else []))

        assert sorted(await lake.dataset_runs()) == RUNS[-2:]
        assert sorted(await models.versions()) == [f"r{RUNS[0]}", f"r{RUNS[3]}", f"r{RUNS[4]}"]
        kept = {item["Key"] for item in s3_client.list_objects_v2(Bucket=models_bucket)["Contents"]}
        assert f"ranking/models/r{RUNS[1]}/model.txt" not in kept
        assert f"ranking/models/r{RUNS[0]}/model.txt" in kept
        objects = {item["Key"] for item in s3_client.list_objects_v2(Bucket=lake_bucket)["Contents"]}
        datasets = {key for key in objects if not key.endswith("/")}  # pyarrow leaves the parent's directory marker
        assert datasets == {dataset_key(run) for run in RUNS[-2:]}
