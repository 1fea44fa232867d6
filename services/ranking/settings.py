"""The ranking service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.redis_sentinel import RedisSentinelSettings
from services.common.settings import S3Settings, ServerSettings, SettingsError, env_name, require_positive


@dataclass(frozen=True, kw_only=True)
class RankingSettings(RedisSentinelSettings, S3Settings, ServerSettings):
    service_name: str = "ranking"
    listen_address: str = "127.0.0.1:50055"
    metrics_port: int = 9105
    redis_url: str
    # Published models (services.common.ranking_models): their bucket in the S3 store, and how often the LATEST
    # pointer is read (a newer model is in use at most this long after it is published).
    models_bucket: str = "feedmesh-models"
    models_poll_seconds: float = 10.0
    # The A/B experiments (TOML; the format is in stack/conf/experiments.toml): a relative path is from the
    # repository root; a missing file means no experiment. Checked for changes this often.
    experiments_file: str = "stack/conf/experiments.toml"
    experiments_poll_seconds: float = 2.0
    # In-process cache of the features read from Redis: entries (a viewer-author pair, an author or a post each),
    # and how long one is reused (the feature job rewrites them far less often).
    features_cache_size: int = 200_000
    features_cache_seconds: float = 60.0
    # A caller that sets no deadline gets this long for the features; the reserve is kept back from any deadline
    # for building the rows, predicting and answering.
    score_budget_seconds: float = 0.1
    score_reserve_seconds: float = 0.004
    # The model poll must not hold a thread long: a model store that does not answer keeps the model in use.
    s3_timeout_seconds: float = 3.0

    def validate(self) -> None:
        super().validate()
        self.check_s3()
        for name in ("redis_url", "models_bucket"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} is required but not set")
        require_positive(
            self,
            "models_poll_seconds",
            "experiments_poll_seconds",
            "features_cache_size",
            "features_cache_seconds",
            "score_budget_seconds",
        )
        if self.score_reserve_seconds < 0:
            raise SettingsError(f"{env_name('score_reserve_seconds')} must be >= 0")
