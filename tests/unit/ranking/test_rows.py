"""The batch feature matrix holds exactly ranking_features.vector's rows (the offline job builds its rows with
vector: a column that differed would score garbage online)."""

from __future__ import annotations

import random

import numpy as np

from services.common.ranking_features import AFFINITY, AUTHOR, FEATURE_NAMES, POST, Candidate, vector
from services.ranking.domain.rows import feature_matrix


def test_the_matrix_is_vector_row_by_row() -> None:
    rng = random.Random(4)
    viewer = 7
    candidates = [
        Candidate(
            author_id=rng.choice([viewer, 8, 9]),
            age_hours=rng.uniform(-1, 100),  # a clock skew gives a negative age: clamped like vector does
            likes=rng.randint(-1, 10_000),
            comments=rng.randint(0, 50),
            shares=rng.randint(0, 5),
            has_media=rng.random() < 0.5,
        )
        for _ in range(50)
    ]
    groups = [[[rng.random() for _ in range(len(width))] for _ in candidates] for width in (AFFINITY, AUTHOR, POST)]
    expected = np.array([vector(viewer, c, *(g[i] for g in groups)) for i, c in enumerate(candidates)])
    got = feature_matrix(viewer, candidates, *groups)
    assert got.shape == (50, len(FEATURE_NAMES))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_an_empty_batch_is_an_empty_matrix() -> None:
    assert feature_matrix(1, [], [], [], []).shape == (0, len(FEATURE_NAMES))
