"""The ports of the ranking use cases: the feature store (Redis), the published models (S3) and the experiments
file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


class FeaturesUnavailable(Exception):
    """The feature store did not answer."""


class ModelsUnavailable(Exception):
    """The model store did not answer."""


@dataclass(frozen=True)
class StoredFeatures:
    """The feature groups found (ranking_features.unpack'ed; zeros for a key that does not exist)."""

    affinity: dict[int, list[float]] = field(default_factory=dict)  # author -> AFFINITY of (viewer, author)
    author: dict[int, list[float]] = field(default_factory=dict)  # author -> AUTHOR
    post: dict[int, list[float]] = field(default_factory=dict)  # post -> POST


class FeatureStore(Protocol):
    async def fetch(
        self, viewer: int, affinity_authors: Sequence[int], authors: Sequence[int], posts: Sequence[int]
    ) -> StoredFeatures:
        """Every group asked for, in one round trip; raises FeaturesUnavailable."""

    async def features_run(self) -> str | None:
        """The id of the newest feature run written (None: none yet); raises FeaturesUnavailable."""


@dataclass(frozen=True)
class PublishedModel:
    version: str
    model_text: str  # LightGBM's text format
    metadata_json: str


class ModelStore(Protocol):
    async def latest_version(self) -> str | None:
        """The version the LATEST pointer names; None before any model is published. Raises ModelsUnavailable."""

    async def fetch(self, version: str) -> PublishedModel:
        """A published model's objects; raises ModelsUnavailable."""


class Model(Protocol):
    """A loaded model."""

    version: str
    feature_names: list[str]

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """One score per row of a (candidates x FEATURE_NAMES) matrix."""


class ModelLoader(Protocol):
    def __call__(self, published: PublishedModel) -> Model:
        """Parses a model (CPU-bound: called in a worker thread); raises ValueError when it does not parse."""


class ExperimentsSource(Protocol):
    def changed(self) -> str | None:
        """The experiments file's text when it changed since the last call (the first call: its text; a missing
        file reads as empty), else None."""
