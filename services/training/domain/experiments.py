"""The A/B report: per experiment arm, impressions and the share of them followed by an engagement, with a Wilson
95% confidence interval (sound for small counts and rates near 0 or 1, unlike the normal approximation)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

Z_95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of successes/trials; (0, 1) without trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class ArmResult:
    experiment: str
    arm: str
    impressions: int
    engaged: int
    rate: float
    low: float  # the 95% interval of the rate
    high: float


def arm_results(labelled: pl.DataFrame) -> list[ArmResult]:
    """From labelled impressions (`experiment` as "<experiment>/<arm>", `label`); impressions outside any experiment
    are left out."""
    arms = (
        labelled.filter(pl.col("experiment") != "")
        .group_by("experiment")
        .agg(pl.len().alias("impressions"), pl.col("label").cast(pl.Int64).sum().alias("engaged"))
        .sort("experiment")
    )
    results = []
    for row in arms.iter_rows(named=True):
        experiment, _, arm = str(row["experiment"]).partition("/")
        n, k = int(row["impressions"]), int(row["engaged"])
        low, high = wilson(k, n)
        results.append(ArmResult(experiment, arm or "-", n, k, k / n, low, high))
    return results
