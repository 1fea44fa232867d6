"""Training rows: every impression, labelled 1 when its viewer liked, commented on or shared the post within
`window` after it was shown, with the features as of the impression (domain/features.py)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from services.common.ranking_features import FEATURE_NAMES
from services.training.domain.events import ENGAGING, History
from services.training.domain.features import all_features

KEY_COLUMNS = ("viewer_id", "post_id", "author_id", "page_id", "position", "experiment", "at")


def label(impressions: pl.DataFrame, history: History, window: timedelta) -> pl.Series:
    """1 for each impression followed by an engagement of its viewer with its post in (t, t + window], else 0; in
    the impressions' order. An impression whose window is still open counts what happened so far."""
    engaged = history.engagements.filter(pl.col("kind").is_in(ENGAGING)).select(
        pl.col("user_id").alias("viewer_id"), "post_id", pl.col("t").alias("engaged_at")
    )
    indexed = impressions.select("viewer_id", "post_id", "t").with_row_index("_row")
    hits = (
        indexed.join(engaged, on=["viewer_id", "post_id"], how="inner")
        .filter((pl.col("engaged_at") > pl.col("t")) & (pl.col("engaged_at") <= pl.col("t") + window))
        .select("_row")
        .unique()
        .with_columns(pl.lit(1, pl.Int8).alias("label"))
    )
    return indexed.join(hits, on="_row", how="left").sort("_row")["label"].fill_null(0).alias("label")


def training_rows(history: History, window: timedelta) -> pl.DataFrame:
    """One row per impression: KEY_COLUMNS, FEATURE_NAMES and `label`, oldest first."""
    impressions = history.impressions
    queries = impressions.select(
        "viewer_id",
        "post_id",
        "author_id",
        "page_id",
        "position",
        "experiment",
        pl.col("t").alias("at"),
        "post_create_time",
        "has_media",
    )
    rows = all_features(queries, history).with_columns(label(impressions, history, window))
    return rows.select(*KEY_COLUMNS, *FEATURE_NAMES, "label").sort("at", "page_id", "position")
