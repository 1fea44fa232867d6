"""A batch's feature matrix, column group by column group: the same rows as ranking_features.vector builds one at
a time (tests/unit/ranking/test_rows.py holds them equal), at a fraction of the cost for a few hundred candidates
(one Python list per row and a math call per feature were most of a request's time, more than the model's)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from services.common.ranking_features import AFFINITY, AUTHOR, CANDIDATE, POST, Candidate


def feature_matrix(
    viewer_id: int,
    candidates: Sequence[Candidate],
    affinity: Sequence[Sequence[float]],
    author: Sequence[Sequence[float]],
    post: Sequence[Sequence[float]],
) -> np.ndarray:
    """(len(candidates) x FEATURE_NAMES) float64, row i = vector(viewer_id, candidates[i], affinity[i], ...)."""
    n = len(candidates)
    raw = np.array(
        [(c.age_hours, c.likes, c.comments, c.shares, c.has_media, c.author_id == viewer_id) for c in candidates],
        dtype=np.float64,
    ).reshape(n, len(CANDIDATE))
    counts = np.log1p(np.maximum(raw[:, 1:4], 0.0))
    serve_time = np.column_stack([np.maximum(raw[:, 0], 0.0), counts, raw[:, 4:6]])
    groups = [
        np.array(affinity, dtype=np.float64).reshape(n, len(AFFINITY)),
        np.array(author, dtype=np.float64).reshape(n, len(AUTHOR)),
        np.array(post, dtype=np.float64).reshape(n, len(POST)),
        serve_time,
    ]
    return np.hstack(groups)
