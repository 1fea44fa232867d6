"""The cold-start order: what scores candidates before any model is published (and when an arm asks for it, or the
model it names cannot be used). It reads the same feature rows a model does (ranking_features.FEATURE_NAMES), so it
uses the feature job's affinities once they exist and the candidates' own signals before:

    score = 0.5 ** (age_hours / 6)                                  recency, halving every 6 hours
          + 0.10 * (log_likes + 2 * log_comments + 3 * log_shares)  engagement, log-damped, rarer actions weigh more
          + 0.15 * ln(1 + likes_30d + 2 * comments_30d + 3 * shares_30d)  the viewer's history with the author
          + 0.20 * is_close_friend + 0.10 * is_mutual_follow

A day-old post needs about e^5 likes to outrank a fresh one with none: fresh posts stay on top unless clearly
popular or from someone the viewer engages with.
"""

from __future__ import annotations

import numpy as np

from services.common.ranking_features import FEATURE_NAMES

HALF_LIFE_HOURS = 6.0
_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}


def heuristic_scores(rows: np.ndarray) -> np.ndarray:
    """One score per row of a (candidates x FEATURE_NAMES) matrix."""

    def col(name: str) -> np.ndarray:
        return rows[:, _COLUMN[name]]

    recency = np.power(0.5, np.maximum(col("age_hours"), 0.0) / HALF_LIFE_HOURS)
    engagement = col("log_likes") + 2.0 * col("log_comments") + 3.0 * col("log_shares")
    history = np.log1p(
        np.maximum(col("aff_likes_30d") + 2.0 * col("aff_comments_30d") + 3.0 * col("aff_shares_30d"), 0.0)
    )
    graph = 0.20 * col("is_close_friend") + 0.10 * col("is_mutual_follow")
    scores: np.ndarray = recency + 0.10 * engagement + 0.15 * history + graph
    return scores
