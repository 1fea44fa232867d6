"""The offline chain, once: flush the lake, read its history, write the online features to Redis, write the
training set to the lake, train, and publish the model only when it beats recency. `make train` / `feedmesh admin train`
run it once; the training service runs it on a schedule."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from services.common.errors import FailedPrecondition
from services.common.lake_layout import dataset_key
from services.common.ranking_features import FEATURE_NAMES
from services.common.ranking_models import ModelMetadata, new_version
from services.training.app.model import Outcome, train_and_judge
from services.training.app.ports import FeatureStore, Lake, LakeFlusher, ModelStore, Progress, RunLock
from services.training.domain.events import EVENT_TYPES, History, history
from services.training.domain.labels import training_rows
from services.training.domain.online import online_features
from services.training.domain.retention import past_the_newest
from services.training.settings import TrainingSettings

FEATURE_LOOKBACK = timedelta(days=30)  # the longest window of ranking_features


@dataclass(frozen=True)
class ChainResult:
    run_id: str
    started: datetime
    flushed_events: int
    events_read: int
    feature_keys: int
    dataset_key: str
    outcome: Outcome
    version: str | None  # the published version, None when refused


def _newest(found: History) -> datetime | None:
    times = [f["t"].max() for f in (found.engagements, found.impressions, found.posts, found.follows) if f.height]
    return max(t for t in times if isinstance(t, datetime)) if times else None


@dataclass
class OfflineChain:
    settings: TrainingSettings
    flusher: LakeFlusher | None  # None: read the lake as it is (no lake service to ask)
    lake: Lake
    features: FeatureStore
    models: ModelStore
    lock: RunLock

    async def run(self, progress: Progress) -> ChainResult:
        async with self.lock.held() as mine:
            if not mine:
                raise FailedPrecondition("another training run is in progress", reason="TRAINING_RUNNING")
            return await self._run(progress)

    async def _run(self, progress: Progress) -> ChainResult:
        s = self.settings
        started = datetime.now(UTC)
        run_id = started.strftime("%Y%m%dT%H%M%SZ")
        progress.step("flush the lake")
        flushed = await self.flusher.flush() if self.flusher is not None else 0
        progress.done(f"{flushed} buffered events written" if self.flusher else "skipped")

        progress.step("read the lake")
        since = started - timedelta(seconds=s.training_seconds) - FEATURE_LOOKBACK
        frames = await self.lake.read(EVENT_TYPES, since, started)
        found = history(frames)
        events = sum(f.height for f in frames.values())
        progress.done(f"{events} events since {since:%Y-%m-%d %H:%M}")

        progress.step("online features to Redis")
        online = await asyncio.to_thread(
            online_features, found, started, active_days=s.active_days, post_days=s.post_days
        )
        keys = await self.features.write(online, run_id, s.feature_ttl_seconds)
        progress.done(f"{online.affinity.height} pairs, {online.author.height} authors, {online.post.height} posts")

        progress.step("training set to the lake")
        rows = await asyncio.to_thread(training_rows, found, timedelta(seconds=s.label_window_seconds))
        rows = rows.filter(pl.col("at") >= started - timedelta(seconds=s.training_seconds))
        key = dataset_key(run_id)
        await self.lake.write(key, rows)
        progress.done(f"{rows.height} impressions, {int(rows['label'].sum()) if rows.height else 0} engaged -> {key}")

        progress.step("train and judge")
        outcome = await asyncio.to_thread(train_and_judge, rows, s)
        progress.done("; ".join(f"{k} {v:.4f}" for k, v in outcome.metrics().items()) or outcome.decision.reasons[0])

        progress.step("publish")
        version = None
        if outcome.decision.publish:
            version = new_version(started)
            newest = _newest(found) or started
            metadata = ModelMetadata(
                version=version,
                feature_names=list(FEATURE_NAMES),
                trained_at=started.isoformat(),
                data_until=newest.isoformat(),
                training_rows=outcome.training_rows,
                holdout_rows=outcome.holdout_rows,
                metrics=outcome.metrics(),
                params=outcome.params,
            )
            await self.models.publish(version, outcome.model_text, metadata.to_json())
            progress.done(f"published {version}: {outcome.decision.reasons[0]}")
        else:
            progress.done("refused: " + "; ".join(outcome.decision.reasons))

        progress.step("forget old runs")
        old_datasets = past_the_newest(await self.lake.dataset_runs(), s.keep_datasets)
        await self.lake.delete_datasets(old_datasets)
        in_use = await self.models.latest()
        old_models = past_the_newest(await self.models.versions(), s.keep_models, protected=[in_use] if in_use else [])
        await self.models.delete(old_models)
        progress.done(f"{len(old_datasets)} training sets and {len(old_models)} models deleted")
        return ChainResult(run_id, started, flushed, events, keys, key, outcome, version)
