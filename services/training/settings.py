"""The offline ranking chain's settings (the training service and `feedmesh admin train`), from FEEDMESH_* environment
variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.redis_sentinel import RedisSentinelSettings
from services.common.settings import S3Settings, ServerSettings, SettingsError, env_name, require_positive


@dataclass(frozen=True, kw_only=True)
class TrainingSettings(RedisSentinelSettings, S3Settings, ServerSettings):
    service_name: str = "training"
    listen_address: str = "127.0.0.1:50060"
    metrics_port: int = 9110
    redis_url: str
    lake_target: str = "127.0.0.1:50059"
    lake_bucket: str = "feedmesh-lake"
    models_bucket: str = "feedmesh-models"
    # The chain runs every this many seconds in the training service (0: never).
    train_every_seconds: float = 3600.0
    # The lake's Flush may take this long (a lake catching up on a backlog).
    flush_timeout_seconds: float = 300.0
    # Impressions of the last `training_seconds` (14 days) become training rows; their features look back 30 days
    # more. A shorter window trains on recent behaviour only (the ranking quality check trains on its own run).
    training_seconds: float = 14 * 86_400.0
    # An impression is labelled 1 when its viewer engaged with the post within this long after it.
    label_window_seconds: float = 3600.0
    # The newest fraction of pages held out to judge the model on.
    holdout_fraction: float = 0.2
    # Publish only when NDCG@10 beats recency by more than this, on at least this many holdout pages.
    min_ndcg_gain: float = 0.0
    min_holdout_pages: int = 5
    # Online features: pairs of viewers active in the last `active_days`, posts of the last `post_days`; Redis TTL.
    active_days: int = 30
    post_days: int = 7
    feature_ttl_seconds: int = 6 * 3600
    # What each run leaves in S3 and keeps (docs/retention.md): the training sets of the newest `keep_datasets` runs
    # and the newest `keep_models` models, always with the one ranking/LATEST names.
    keep_datasets: int = 48
    keep_models: int = 24
    # LightGBM.
    boost_rounds: int = 150
    num_leaves: int = 15
    learning_rate: float = 0.05
    min_data_in_leaf: int = 5
    train_threads: int = 1

    def validate(self) -> None:
        super().validate()
        self.check_s3()
        for name in ("redis_url", "lake_bucket", "models_bucket"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} is required but not set")
        if not 0 < self.holdout_fraction < 1:
            raise SettingsError(f"{env_name('holdout_fraction')} must be between 0 and 1")
        if self.train_every_seconds < 0 or self.min_ndcg_gain < 0:
            raise SettingsError(f"{env_name('train_every_seconds')} and {env_name('min_ndcg_gain')} must be >= 0")
        require_positive(
            self,
            "flush_timeout_seconds",
            "training_seconds",
            "label_window_seconds",
            "min_holdout_pages",
            "active_days",
            "post_days",
            "feature_ttl_seconds",
            "keep_datasets",
            "keep_models",
            "boost_rounds",
            "num_leaves",
            "learning_rate",
            "min_data_in_leaf",
            "train_threads",
        )
