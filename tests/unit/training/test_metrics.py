"""AUC, NDCG@10 per page, labels, the holdout split and the publish-or-refuse rule."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from services.training.domain.experiments import arm_results, wilson
from services.training.domain.labels import label
from services.training.domain.metrics import Scores, auc, decide, ndcg_at
from services.training.domain.split import time_split
from tests.unit.training.scenario import T0, at, make


def test_auc() -> None:
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert auc(np.array([0, 0, 1, 1]), np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5  # a tie counts half
    assert math.isnan(auc(np.array([1, 1]), np.array([0.1, 0.2])))


def test_ndcg_per_page_skips_pages_without_a_positive() -> None:
    groups = np.array(["a", "a", "a", "b", "b"])
    labels = np.array([0, 0, 1, 0, 0])
    perfect, pages = ndcg_at(10, groups, labels, np.array([0.1, 0.2, 0.9, 0.5, 0.4]))
    assert perfect == 1.0 and pages == 1
    worst, _ = ndcg_at(10, groups, labels, np.array([0.9, 0.8, 0.1, 0.5, 0.4]))
    assert worst == pytest.approx(1 / math.log2(4))
    cut, _ = ndcg_at(1, groups, labels, np.array([0.9, 0.8, 0.1, 0.5, 0.4]))
    assert cut == 0.0  # the positive is below the cut-off


def test_decide_publishes_only_what_beats_recency() -> None:
    baseline = Scores(auc=0.6, ndcg_at_10=0.5, pages=40)
    assert decide(Scores(0.7, 0.6, 40), baseline, min_pages=10, min_ndcg_gain=0.0).publish
    worse = decide(Scores(0.7, 0.5, 40), baseline, min_pages=10, min_ndcg_gain=0.0)
    assert not worse.publish and "NDCG@10" in worse.reasons[0]
    assert not decide(Scores(0.7, 0.55, 40), baseline, min_pages=10, min_ndcg_gain=0.1).publish
    assert not decide(Scores(0.5, 0.6, 40), baseline, min_pages=10, min_ndcg_gain=0.0).publish  # AUC below
    thin = decide(Scores(0.9, 0.9, 2), baseline, min_pages=10, min_ndcg_gain=0.0)
    assert not thin.publish and "holdout pages" in thin.reasons[0]


def test_labels_count_engagement_after_the_impression_within_the_window() -> None:
    history = make(
        feed_impression=[
            {"occur_time": at(0), "viewer_id": 1, "post_id": 10, "author_id": 2},
            {"occur_time": at(0), "viewer_id": 1, "post_id": 11, "author_id": 2},
            {"occur_time": at(0), "viewer_id": 1, "post_id": 12, "author_id": 2},
            {"occur_time": at(0), "viewer_id": 3, "post_id": 10, "author_id": 2},
        ],
        post_liked=[
            {"occur_time": at(0.5), "post_id": 10, "user_id": 1, "post_author_id": 2},  # within the hour: 1
            {"occur_time": at(2), "post_id": 11, "user_id": 1, "post_author_id": 2},  # too late: 0
        ],
        comment_created=[{"occur_time": at(-1), "post_id": 12, "author_id": 1, "post_author_id": 2}],  # before: 0
    )
    assert label(history.impressions, history, timedelta(hours=1)).to_list() == [1, 0, 0, 0]


def test_time_split_holds_out_the_newest_pages_whole() -> None:
    rows = pl.DataFrame(
        {
            "viewer_id": [1, 1, 1, 1, 1],
            "page_id": ["a", "a", "b", "c", "c"],
            "at": [T0, T0 + timedelta(seconds=1), T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), T0],
        }
    )
    train, holdout = time_split(rows, 0.34)
    assert set(holdout["page"]) == {"b"}  # c's first impression is as old as a's
    assert set(train["page"]).isdisjoint(set(holdout["page"]))
    assert train.height + holdout.height == rows.height


def test_wilson_interval_and_arm_results() -> None:
    low, high = wilson(10, 100)
    assert low == pytest.approx(0.0552, abs=1e-3) and high == pytest.approx(0.1744, abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)
    labelled = pl.DataFrame({"experiment": ["e/a", "e/a", "e/b", ""], "label": [1, 0, 0, 1]})
    results = arm_results(labelled)
    assert [(r.arm, r.impressions, r.engaged) for r in results] == [("a", 2, 1), ("b", 1, 0)]
    assert results[0].rate == 0.5 and results[0].low < 0.5 < results[0].high
