"""What the offline chain needs from the outside: the lake (flush, read, write), Redis and the models bucket."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

import polars as pl

from services.training.domain.online import OnlineFeatures


class LakeFlusher(Protocol):
    async def flush(self) -> int:
        """Makes the lake take in everything published so far; returns how many events it wrote meanwhile."""


class Lake(Protocol):
    async def read(self, event_types: Sequence[str], since: datetime, until: datetime) -> dict[str, pl.DataFrame]:
        """Each type's events that occurred in [since, until), once each."""

    async def write(self, key: str, frame: pl.DataFrame) -> None: ...

    async def dataset_runs(self) -> list[str]:
        """The run ids that have a training set in the lake."""

    async def delete_datasets(self, run_ids: Sequence[str]) -> None:
        """Deletes those runs' training sets."""


class FeatureStore(Protocol):
    async def write(self, features: OnlineFeatures, run_id: str, ttl_seconds: int) -> int:
        """Replaces the online features; returns how many keys it wrote."""


class ModelStore(Protocol):
    async def publish(self, version: str, model_text: str, metadata_json: str) -> None:
        """The model and its metadata, then the LATEST pointer (ranking_models.py)."""

    async def versions(self) -> list[str]:
        """Every stored model version."""

    async def latest(self) -> str | None:
        """The version the LATEST pointer names, None before the first."""

    async def delete(self, versions: Sequence[str]) -> None:
        """Deletes those versions' objects."""


class RunLock(Protocol):
    def held(self) -> AbstractAsyncContextManager[bool]:
        """Holds the lock while inside, if it is free; yields whether it was."""


class Progress(Protocol):
    def step(self, name: str) -> None:
        """A step begins."""

    def done(self, detail: str) -> None:
        """The current step ended; what it did."""
