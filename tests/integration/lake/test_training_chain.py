"""The offline chain end to end on the real stack components: events on Kafka, the lake service (in-process) takes
them in on Flush, the chain reads the lake, writes the online features to Redis and the training set to the lake,
trains, and publishes the model only when it beats recency on the newest pages."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import lightgbm as lgb
import pytest
from feedmesh.events.internal.v1 import events_pb2
from prometheus_client import REGISTRY

from services.common import redis_keys
from services.common.errors import FailedPrecondition
from services.common.lake_layout import DATASETS_PREFIX, dataset_key
from services.common.lake_reader import list_files, read_frame
from services.common.polling import wait_for
from services.common.ranking_features import AFFINITY, FEATURE_NAMES, unpack
from services.common.ranking_models import LATEST_POINTER, ModelMetadata, metadata_key, model_key
from services.lake.settings import LakeSettings
from services.lake.wiring import build as build_lake
from services.training.adapters.s3_stores import S3LakeFrames
from services.training.app.chain import ChainResult
from services.training.app.report import experiment_report
from services.training.settings import TrainingSettings
from services.training.wiring import build as build_training
from services.training.wiring import open_chain
from tests.integration.harness import service_settings, start_service
from tests.integration.kafka_reading import end_offsets, rewind_group
from tests.integration.lake.conftest import TOPIC, LakeEnv, event, fresh_buckets


class Quiet:
    def step(self, name: str) -> None:
        pass

    def done(self, detail: str) -> None:
        pass


@dataclass
class Scenario:
    events: list[events_pb2.Event]
    viewers: list[int]
    favourite: dict[int, int]  # viewer -> the author they like
    likes: dict[tuple[int, int], int]  # (viewer, author) -> likes
    shown: dict[tuple[int, int], int]  # (viewer, author) -> impressions in the last 7 days
    impressions: int
    engaged: int


def scenario(*, likes_newest: bool, pages: int = 80) -> Scenario:
    """Pages of 10 posts (newest first, the chronological order) shown to 12 viewers over the last 30 hours. Each
    viewer likes their favourite author's posts, or (`likes_newest`) just the newest post of each page."""
    rng = random.Random(25)
    base = rng.randrange(10**12, 2 * 10**12)
    viewers = [base + i for i in range(12)]
    authors = [base + 100 + i for i in range(6)]
    favourite = {v: authors[i % len(authors)] for i, v in enumerate(viewers)}
    start = datetime.now(UTC) - timedelta(hours=30)
    made = [event("user_followed", start, follower_id=v, followee_id=a) for v in viewers for a in authors]
    # One known pair: a mutual follow, and the viewer on the author's close friends.
    made.append(event("user_followed", start, follower_id=authors[0], followee_id=viewers[0]))
    made.append(event("close_friends_changed", start, owner_id=authors[0], friend_id=viewers[0], added=True))
    likes: dict[tuple[int, int], int] = {}
    shown: dict[tuple[int, int], int] = {}
    impressions = engaged = 0
    for page in range(pages):
        at = start + timedelta(minutes=20 * page)
        viewer = viewers[page % len(viewers)]
        posts = sorted(
            (
                (base + 1000 * page + i, rng.choice(authors), at - timedelta(minutes=rng.randrange(1, 600)))
                for i in range(10)
            ),
            key=lambda p: p[2],
            reverse=True,
        )
        for position, (post_id, author, created) in enumerate(posts):
            made.append(event("post_published", created, post_id=post_id, author_id=author, create_time=created))
            made.append(
                event(
                    "feed_impression",
                    at,
                    viewer_id=viewer,
                    post_id=post_id,
                    author_id=author,
                    position=position,
                    page_id=f"{base}-{page}",
                    mode="chronological",
                    post_create_time=created,
                    experiment=f"exp/{'a' if viewer % 2 else 'b'}",
                )
            )
            impressions += 1
            if at >= datetime.now(UTC) - timedelta(days=7):
                shown[(viewer, author)] = shown.get((viewer, author), 0) + 1
            if (position == 0) if likes_newest else (author == favourite[viewer]):
                made.append(
                    event(
                        "post_liked", at + timedelta(minutes=1), post_id=post_id, user_id=viewer, post_author_id=author
                    )
                )
                likes[(viewer, author)] = likes.get((viewer, author), 0) + 1
                engaged += 1
    return Scenario(made, viewers, favourite, likes, shown, impressions, engaged)


@dataclass
class Chain:
    env: LakeEnv
    settings: TrainingSettings
    overrides: dict[str, Any]
    redis: Any

    async def run(self, story: Scenario) -> ChainResult:
        await self.env.publish(story.events)
        chain, close = await open_chain(self.settings)
        try:
            return await chain.run(Quiet())
        finally:
            await close()

    def read_text(self, key: str) -> str | None:
        try:
            with self.env.fs.open_input_stream(f"{self.settings.models_bucket}/{key}") as stream:
                return bytes(stream.read()).decode()
        except FileNotFoundError:
            return None


@pytest.fixture
async def chain(lake_env: LakeEnv, s3_client: Any, redis_client: Any) -> AsyncIterator[Chain]:
    with fresh_buckets(s3_client) as (lake_bucket, models_bucket):
        group = lake_env.group()
        ends = await asyncio.to_thread(end_offsets, lake_env.stack, TOPIC)
        await asyncio.to_thread(rewind_group, lake_env.stack, group, ends)
        lake, address = await start_service(
            build_lake,
            LakeSettings,
            lake_env.stack,
            lake_topics=[TOPIC],
            lake_bucket=lake_bucket,
            consumer_group=group,
            consumer_ready_seconds=30,
            compact_every_seconds=0,
            flush_max_age_seconds=3600,
        )
        overrides: dict[str, Any] = {
            "lake_target": address,
            "lake_bucket": lake_bucket,
            "models_bucket": models_bucket,
            "feature_ttl_seconds": 600,
            "min_holdout_pages": 3,
            "flush_timeout_seconds": 60,
        }
        settings = service_settings(TrainingSettings, lake_env.stack, **overrides, train_every_seconds=0)
        try:
            yield Chain(lake_env, settings, overrides, redis_client)
        finally:
            await lake.stop(grace=0)


async def test_a_model_that_beats_recency_is_published_with_the_features(chain: Chain) -> None:
    story = scenario(likes_newest=False)
    result = await chain.run(story)
    assert result.version is not None, result.outcome.decision.reasons
    metrics = result.outcome.metrics()
    assert metrics["ndcg_at_10"] > metrics["baseline_ndcg_at_10"]

    assert chain.read_text(LATEST_POINTER) == result.version
    metadata = ModelMetadata.from_json(chain.read_text(metadata_key(result.version)) or "")
    assert metadata.feature_names == list(FEATURE_NAMES) and metadata.metrics == metrics
    booster = lgb.Booster(model_str=chain.read_text(model_key(result.version)))
    assert booster.num_feature() == len(FEATURE_NAMES)

    rows = await asyncio.to_thread(read_frame, chain.env.fs, chain.settings.lake_bucket, dataset_key(result.run_id))
    assert rows.height == story.impressions and int(rows["label"].sum()) == story.engaged

    window = timedelta(seconds=chain.settings.label_window_seconds)
    until = datetime.now(UTC)
    arms = await experiment_report(
        S3LakeFrames(chain.env.fs, chain.settings.lake_bucket), until - timedelta(days=2), until, window
    )
    assert [r.arm for r in arms] == ["a", "b"]
    assert sum(r.impressions for r in arms) == story.impressions and sum(r.engaged for r in arms) == story.engaged

    viewer = story.viewers[0]
    stored = chain.redis.hgetall(redis_keys.ranking_affinity(viewer))
    assert chain.redis.ttl(redis_keys.ranking_affinity(viewer)) > 0
    for author_raw, packed in stored.items():
        author = int(author_raw)
        values = dict(zip(AFFINITY, unpack(packed, len(AFFINITY)), strict=True))
        assert values["aff_likes_30d"] == story.likes.get((viewer, author), 0)
        assert values["aff_impressions_7d"] == story.shown.get((viewer, author), 0)
        known_pair = author == story.favourite[story.viewers[0]]
        assert values["is_mutual_follow"] == values["is_close_friend"] == (1.0 if known_pair else 0.0)
    assert str(story.favourite[viewer]).encode() in stored


async def test_one_run_at_a_time(chain: Chain) -> None:
    first, close_first = await open_chain(chain.settings, flush=False)
    second, close_second = await open_chain(chain.settings, flush=False)
    try:
        async with first.lock.held() as mine:
            assert mine
            with pytest.raises(FailedPrecondition, match="another training run"):
                await second.run(Quiet())
    finally:
        await close_first()
        await close_second()


async def test_a_model_that_does_not_beat_recency_is_refused(chain: Chain) -> None:
    result = await chain.run(scenario(likes_newest=True))
    assert result.version is None
    assert any("does not beat the recency baseline" in why for why in result.outcome.decision.reasons)
    assert chain.read_text(LATEST_POINTER) is None


async def test_the_training_service_runs_the_chain_on_its_schedule(chain: Chain) -> None:
    await chain.env.publish(scenario(likes_newest=True, pages=10).events)
    server, _ = await start_service(
        build_training, TrainingSettings, chain.env.stack, **chain.overrides, train_every_seconds=0.5
    )
    try:
        runs = await wait_for(
            lambda: asyncio.to_thread(list_files, chain.env.fs, chain.settings.lake_bucket, DATASETS_PREFIX),
            lambda found: len(found) >= 2,
            what="two scheduled runs' training sets in the lake",
            within=60,
        )
    finally:
        await server.stop(grace=0)
    assert all(info.path.endswith("/training.parquet") for info in runs)
    # The first run ended before the second began (the second may still be running).
    assert (REGISTRY.get_sample_value("feedmesh_training_runs_total", {"outcome": "refused"}) or 0) >= 1
