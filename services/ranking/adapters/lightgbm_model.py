"""LightGBM models: parsed from their text format, scored in one batch per request on one thread (the batch is a
few hundred rows: threads would cost more than they save, and the machine's cores serve the other processes)."""

from __future__ import annotations

import lightgbm
import numpy as np

from services.ranking.app.ports import PublishedModel


class LightGbmModel:
    """Implements app.ports.Model."""

    def __init__(self, version: str, booster: lightgbm.Booster):
        self.version = version
        self.booster = booster
        self.feature_names: list[str] = list(booster.feature_name())

    def predict(self, rows: np.ndarray) -> np.ndarray:
        scores: np.ndarray = np.asarray(self.booster.predict(rows, num_threads=1), dtype=np.float64)
        return scores


def load_lightgbm(published: PublishedModel) -> LightGbmModel:
    """Implements app.ports.ModelLoader."""
    try:
        booster = lightgbm.Booster(model_str=published.model_text)
    except lightgbm.basic.LightGBMError as exc:
        raise ValueError(f"model {published.version} does not parse: {exc}") from exc
    return LightGbmModel(published.version, booster)
