"""ScorePosts over fakes of its ports: which model scores, the fallbacks, the features' budget, the cache."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import pytest

from services.common.errors import Unavailable
from services.common.ranking_features import AFFINITY, FEATURE_NAMES, Candidate
from services.ranking.app.experiments import Experiments
from services.ranking.app.features import CachedFeatures
from services.ranking.app.models import ModelRegistry
from services.ranking.app.ports import FeaturesUnavailable, PublishedModel, StoredFeatures
from services.ranking.app.scoring import ScorePosts

VIEWER = 5


class Store:
    def __init__(self, *, delay: float = 0.0, fail: bool = False):
        self.delay, self.fail, self.calls = delay, fail, 0
        self.run: str | None = None

    async def fetch(
        self, viewer: int, affinity_authors: Sequence[int], authors: Sequence[int], posts: Sequence[int]
    ) -> StoredFeatures:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise FeaturesUnavailable("down")
        affinity = [0.0] * len(AFFINITY)
        affinity[AFFINITY.index("aff_likes_30d")] = 50.0
        return StoredFeatures(affinity={a: affinity for a in affinity_authors if a == 2})

    async def features_run(self) -> str | None:
        if self.fail:
            raise FeaturesUnavailable("down")
        return self.run


class NoModels:
    async def latest_version(self) -> str | None:
        return None

    async def fetch(self, version: str) -> PublishedModel:
        raise AssertionError("nothing is published")


class BrokenModel:
    version = "r1"
    feature_names = list(FEATURE_NAMES)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        raise RuntimeError("boom")


class NoFile:
    def changed(self) -> str | None:
        return None


def scorer(store: Store) -> ScorePosts:
    models = ModelRegistry(NoModels(), lambda published: BrokenModel())
    experiments = Experiments(NoFile(), on_pins=models.pin)
    return ScorePosts(CachedFeatures(store, size=100, max_age_seconds=60), models, experiments)


def candidates() -> list[Candidate]:
    return [
        Candidate(author_id=1, age_hours=0.5, likes=0, comments=0, shares=0, has_media=False),
        Candidate(author_id=2, age_hours=1.0, likes=0, comments=0, shares=0, has_media=False),
    ]


async def test_without_a_model_the_heuristic_scores_with_the_stored_affinity() -> None:
    store = Store()
    scored = await scorer(store)(VIEWER, [10, 11], candidates(), budget_seconds=1)
    assert (scored.model_version, scored.fallback, scored.experiment) == ("heuristic", True, "")
    assert scored.scores[1] > scored.scores[0]  # affinity with author 2 beats half an hour of recency
    await scorer(store)(VIEWER, [10, 11], candidates(), budget_seconds=1)
    assert store.calls == 2  # a new scorer, a new cache


async def test_a_second_request_is_served_from_the_cache() -> None:
    store = Store()
    score = scorer(store)
    await score(VIEWER, [10, 11], candidates(), budget_seconds=1)
    await score(VIEWER, [10, 11], candidates(), budget_seconds=1)
    assert store.calls == 1


async def test_a_new_feature_run_drops_the_kept_features() -> None:
    store = Store()
    features = CachedFeatures(store, size=100, max_age_seconds=60)
    await features.follow_runs()
    await features.for_candidates(VIEWER, [1, 2], [10, 11])
    await features.follow_runs()  # the same run: kept
    await features.for_candidates(VIEWER, [1, 2], [10, 11])
    assert store.calls == 1
    store.run = "2026-12-07T02:00:00Z"
    await features.follow_runs()
    await features.for_candidates(VIEWER, [1, 2], [10, 11])
    assert store.calls == 2
    store.fail = True
    await features.follow_runs()  # the store down: what is kept stays
    store.fail = False
    await features.for_candidates(VIEWER, [1, 2], [10, 11])
    assert store.calls == 2


async def test_features_slower_than_the_budget_fail_the_call() -> None:
    with pytest.raises(Unavailable):
        await scorer(Store(delay=0.5))(VIEWER, [10, 11], candidates(), budget_seconds=0.02)
    with pytest.raises(Unavailable):
        await scorer(Store())(VIEWER, [10, 11], candidates(), budget_seconds=0)


async def test_a_feature_store_outage_scores_with_zeros_and_is_not_cached() -> None:
    store = Store(fail=True)
    score = scorer(store)
    scored = await score(VIEWER, [10, 11], candidates(), budget_seconds=1)
    assert scored.scores[0] > scored.scores[1]  # recency alone
    await score(VIEWER, [10, 11], candidates(), budget_seconds=1)
    assert store.calls == 2


async def test_a_model_that_fails_to_predict_falls_back_to_the_heuristic() -> None:
    score = scorer(Store())
    score.models.latest = BrokenModel()
    scored = await score(VIEWER, [10, 11], candidates(), budget_seconds=1)
    assert (scored.model_version, scored.fallback) == ("heuristic", True)
