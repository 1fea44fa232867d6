"""Training and judging one model: LightGBM (binary, on FEATURE_NAMES) on the older pages, scored with the recency
baseline on the newest ones (domain/split.py, domain/metrics.py). CPU-bound and blocking: run it in a thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from services.common.ranking_features import FEATURE_NAMES
from services.training.domain.metrics import Decision, Scores, decide, score
from services.training.domain.split import time_split
from services.training.settings import TrainingSettings


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    training_rows: int
    holdout_rows: int
    model: Scores | None = None
    baseline: Scores | None = None
    model_text: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        if self.model is None or self.baseline is None:
            return {}
        return {
            "auc": self.model.auc,
            "ndcg_at_10": self.model.ndcg_at_10,
            "baseline_auc": self.baseline.auc,
            "baseline_ndcg_at_10": self.baseline.ndcg_at_10,
            "holdout_pages": float(self.model.pages),
        }


def params(settings: TrainingSettings) -> dict[str, Any]:
    return {
        "objective": "binary",
        "num_leaves": settings.num_leaves,
        "learning_rate": settings.learning_rate,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "feature_fraction": 0.9,
        "num_threads": settings.train_threads,
        "seed": 25,
        "deterministic": True,
        "verbose": -1,
    }


def _matrix(rows: pl.DataFrame) -> np.ndarray:
    return rows.select(pl.col(name).cast(pl.Float64) for name in FEATURE_NAMES).to_numpy()


def train_and_judge(rows: pl.DataFrame, settings: TrainingSettings) -> Outcome:
    train, holdout = time_split(rows, settings.holdout_fraction)
    labels = train["label"].to_numpy()
    if train.height == 0 or labels.min() == labels.max():
        why = "no training rows" if train.height == 0 else "the training rows hold only one label"
        return Outcome(Decision(False, [why]), training_rows=train.height, holdout_rows=holdout.height)
    chosen = params(settings)
    booster = lgb.train(
        chosen,
        lgb.Dataset(_matrix(train), label=labels, feature_name=list(FEATURE_NAMES)),
        num_boost_round=settings.boost_rounds,
    )
    pages = holdout["page"].to_numpy()
    truth = holdout["label"].to_numpy()
    model = score(pages, truth, np.asarray(booster.predict(_matrix(holdout))))
    baseline = score(pages, truth, -holdout["age_hours"].to_numpy())
    decision = decide(model, baseline, min_pages=settings.min_holdout_pages, min_ndcg_gain=settings.min_ndcg_gain)
    return Outcome(
        decision,
        model=model,
        baseline=baseline,
        model_text=booster.model_to_string(),
        params={**chosen, "num_boost_round": settings.boost_rounds},
        training_rows=train.height,
        holdout_rows=holdout.height,
    )
