"""How a model is judged: AUC and NDCG@10 per feed page on a time-ordered holdout, against the recency baseline
(score = -age: the chronological feed), and the rule that decides whether it is published."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN without both classes."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = pl.Series(scores).rank("average").to_numpy()
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def ndcg_at(k: int, groups: np.ndarray, labels: np.ndarray, scores: np.ndarray) -> tuple[float, int]:
    """Mean NDCG@k over the groups (pages) that have a positive, and how many such groups there are (NaN, 0 when
    none). Ties in score keep the order given (the page's served order)."""
    frame = pl.DataFrame({"group": groups, "label": labels.astype(np.float64), "score": scores}).with_row_index()
    frame = frame.filter(pl.col("label").sum().over("group") > 0)
    if frame.height == 0:
        return math.nan, 0

    def dcg(order: pl.DataFrame, name: str) -> pl.DataFrame:
        ranked = order.with_columns(pl.int_range(1, pl.len() + 1).over("group").alias("rank"))
        gain = (2 ** pl.col("label") - 1) / (pl.col("rank").cast(pl.Float64) + 1.0).log(2)
        return ranked.filter(pl.col("rank") <= k).group_by("group").agg(gain.sum().alias(name))

    served = dcg(frame.sort(["group", "score", "index"], descending=[False, True, False]), "dcg")
    ideal = dcg(frame.sort(["group", "label"], descending=[False, True]), "ideal")
    per_group = served.join(ideal, on="group").select(pl.col("dcg") / pl.col("ideal"))["dcg"]
    return float(per_group.mean()), per_group.len()  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scores:
    auc: float
    ndcg_at_10: float
    pages: int  # holdout pages with a positive: those NDCG is averaged over


def score(groups: np.ndarray, labels: np.ndarray, scores: np.ndarray) -> Scores:
    ndcg, pages = ndcg_at(10, groups, labels, scores)
    return Scores(auc(labels, scores), ndcg, pages)


@dataclass(frozen=True)
class Decision:
    publish: bool
    reasons: list[str]  # why not, when refused; what it beat, when published


def decide(model: Scores, baseline: Scores, *, min_pages: int, min_ndcg_gain: float) -> Decision:
    """Publish only a model that ranks the holdout's pages better than recency: NDCG@10 higher by more than
    `min_ndcg_gain`, and AUC not lower, measured on at least `min_pages` pages with an engagement."""
    refusals = []
    if model.pages < min_pages:
        refusals.append(f"only {model.pages} holdout pages with an engagement (at least {min_pages} needed)")
    if math.isnan(model.ndcg_at_10) or not model.ndcg_at_10 > baseline.ndcg_at_10 + min_ndcg_gain:
        refusals.append(
            f"NDCG@10 {model.ndcg_at_10:.4f} does not beat the recency baseline's {baseline.ndcg_at_10:.4f}"
            + (f" by more than {min_ndcg_gain}" if min_ndcg_gain else "")
        )
    if not math.isnan(model.auc) and not math.isnan(baseline.auc) and model.auc < baseline.auc:
        refusals.append(f"AUC {model.auc:.4f} is below the recency baseline's {baseline.auc:.4f}")
    if refusals:
        return Decision(False, refusals)
    return Decision(
        True,
        [f"NDCG@10 {model.ndcg_at_10:.4f} > baseline {baseline.ndcg_at_10:.4f} on {model.pages} pages"],
    )
