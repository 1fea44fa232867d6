"""The lake's and the training job's settings fail fast, naming the variable."""

from __future__ import annotations

import pytest

from services.common.settings import SettingsError, load_settings
from services.lake.settings import LakeSettings
from services.training.settings import TrainingSettings

S3 = {
    "FEEDMESH_S3_ENDPOINT": "http://127.0.0.1:7070",
    "FEEDMESH_S3_ACCESS_KEY": "key",
    "FEEDMESH_S3_SECRET_KEY": "secret",
}


def test_lake_defaults_and_checks() -> None:
    settings = load_settings(LakeSettings, {**S3, "FEEDMESH_KAFKA_BOOTSTRAP": "127.0.0.1:9092"})
    assert settings.lake_bucket == "feedmesh-lake" and "feedmesh.impressions" in settings.lake_topics
    with pytest.raises(SettingsError, match="FEEDMESH_FLUSH_MAX_BATCHES"):
        load_settings(LakeSettings, {**S3, "FEEDMESH_KAFKA_BOOTSTRAP": "k:1", "FEEDMESH_FLUSH_MAX_BATCHES": "0"})
    with pytest.raises(SettingsError, match="FEEDMESH_S3_ENDPOINT"):
        load_settings(LakeSettings, {**S3, "FEEDMESH_S3_ENDPOINT": "s3.local", "FEEDMESH_KAFKA_BOOTSTRAP": "k:1"})


def test_training_defaults_and_checks() -> None:
    settings = load_settings(TrainingSettings, {**S3, "FEEDMESH_REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert settings.models_bucket == "feedmesh-models" and settings.train_every_seconds == 3600
    with pytest.raises(SettingsError, match="FEEDMESH_HOLDOUT_FRACTION"):
        load_settings(TrainingSettings, {**S3, "FEEDMESH_REDIS_URL": "r", "FEEDMESH_HOLDOUT_FRACTION": "1"})
    with pytest.raises(SettingsError, match="FEEDMESH_REDIS_URL"):
        load_settings(TrainingSettings, S3)
