"""Where published ranking models live in the S3 store, and what a model's metadata says. The training job writes
a model's two objects and then moves the pointer; the ranking service reads the pointer and loads what it names,
so a half-written model is never loaded."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

MODELS_PREFIX = "ranking/models"
LATEST_POINTER = "ranking/LATEST"  # the text of the newest published version
HEURISTIC_VERSION = "heuristic"  # what scores before any model is published


def model_key(version: str) -> str:
    """The LightGBM model, in its text format."""
    return f"{MODELS_PREFIX}/{version}/model.txt"


def metadata_key(version: str) -> str:
    """The model's ModelMetadata, as JSON."""
    return f"{MODELS_PREFIX}/{version}/metadata.json"


def new_version(trained_at: datetime) -> str:
    """Versions sort by training time: r20261207T013000Z."""
    return trained_at.astimezone(UTC).strftime("r%Y%m%dT%H%M%SZ")


@dataclass(frozen=True, kw_only=True)
class ModelMetadata:
    version: str
    feature_names: list[str]
    trained_at: str  # ISO 8601
    data_until: str  # the newest event time in the training data, ISO 8601
    training_rows: int
    holdout_rows: int
    # auc, ndcg_at_10, baseline_auc, baseline_ndcg_at_10 (the recency baseline on the same holdout), and any more
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> ModelMetadata:
        return cls(**json.loads(text))
