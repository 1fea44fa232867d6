"""ScorePosts: the viewer's arm decides the model; the candidates' features come from the cache and Redis within the
caller's budget; the rows in ranking_features order (domain.rows: vector's rows, built as one matrix) are scored
by the model in one batch, or by the cold-start heuristic (domain.heuristic) when the arm asks for it or no usable
model is loaded."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.common.errors import Unavailable
from services.common.ranking_features import Candidate
from services.common.ranking_models import HEURISTIC_VERSION
from services.ranking.app.experiments import Experiments
from services.ranking.app.features import CachedFeatures
from services.ranking.app.metrics import FALLBACKS, SCORE_LATENCY, SCORED_CANDIDATES
from services.ranking.app.models import ModelRegistry
from services.ranking.domain.experiments import LATEST, Assignment
from services.ranking.domain.heuristic import heuristic_scores
from services.ranking.domain.rows import feature_matrix

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scored:
    scores: list[float]
    model_version: str
    fallback: bool  # the arm's model could not be used: the heuristic scored instead
    experiment: str  # "<experiment>/<arm>", or ""


class ScorePosts:
    def __init__(self, features: CachedFeatures, models: ModelRegistry, experiments: Experiments):
        self.features = features
        self.models = models
        self.experiments = experiments

    async def __call__(
        self,
        viewer: int,
        post_ids: Sequence[int],
        candidates: Sequence[Candidate],
        *,
        forced_arm: str = "",
        budget_seconds: float,
    ) -> Scored:
        """`candidates[i]` is post `post_ids[i]`. `budget_seconds`: how long the features may take; past it the
        call fails (Unavailable) so that the caller degrades instead of waiting."""
        started = time.perf_counter()
        assignment = self.experiments.assignment(viewer, forced_arm)
        if not candidates:
            model = self.models.model_for(assignment.model)
            return Scored([], model.version if model else HEURISTIC_VERSION, False, assignment.label)
        if budget_seconds <= 0:
            FALLBACKS.labels("deadline").inc()
            raise Unavailable("no time left to score", reason="RANKING_DEADLINE")
        try:
            async with asyncio.timeout(budget_seconds):
                stored = await self.features.for_candidates(viewer, [c.author_id for c in candidates], post_ids)
        except TimeoutError:
            FALLBACKS.labels("deadline").inc()
            raise Unavailable("features did not arrive within the deadline", reason="RANKING_DEADLINE") from None
        rows = feature_matrix(viewer, candidates, stored.affinity, stored.author, stored.post)
        scored = self._score(assignment, rows)
        SCORED_CANDIDATES.observe(len(candidates))
        SCORE_LATENCY.observe(time.perf_counter() - started)
        return scored

    def _score(self, assignment: Assignment, rows: np.ndarray) -> Scored:
        if assignment.model == HEURISTIC_VERSION:
            return Scored(heuristic_scores(rows).tolist(), HEURISTIC_VERSION, False, assignment.label)
        model = self.models.model_for(assignment.model)
        if model is None:
            FALLBACKS.labels("no_model" if assignment.model == LATEST else "model_unavailable").inc()
        else:
            try:
                return Scored(model.predict(rows).tolist(), model.version, False, assignment.label)
            except Exception:  # a model that loads but cannot predict must not fail the feed: heuristic instead
                FALLBACKS.labels("model_error").inc()
                log.exception("model predict failed", extra={"version": model.version})
        return Scored(heuristic_scores(rows).tolist(), HEURISTIC_VERSION, True, assignment.label)
