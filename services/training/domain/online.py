"""The features served online, as of the run's start: which (viewer, author) pairs, authors and posts get them, and
their values (the same functions as the training rows, asked at `now`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from services.common.ranking_features import AFFINITY, AUTHOR, POST
from services.training.domain.events import History
from services.training.domain.features import affinity, author, post
from services.training.domain.windows import latest_state


@dataclass(frozen=True)
class OnlineFeatures:
    affinity: pl.DataFrame  # viewer_id, author_id, AFFINITY...
    author: pl.DataFrame  # author_id, AUTHOR...
    post: pl.DataFrame  # post_id, POST...


def _pairs(history: History, now: datetime, active_since: datetime) -> pl.DataFrame:
    """The pairs a feed may rank: every current follow of an active viewer (a feed's candidates are its followees'
    posts), and every pair with engagement or impressions since `active_since`."""
    engaged = history.engagements.filter(pl.col("t") >= active_since).select(
        pl.col("user_id").alias("viewer_id"), "author_id"
    )
    shown = history.impressions.filter(pl.col("t") >= active_since).select("viewer_id", "author_id")
    active = pl.concat([engaged, shown]).select("viewer_id").unique()
    edges = history.follows.select(pl.col("follower_id").alias("viewer_id"), pl.col("followee_id").alias("author_id"))
    edges = edges.unique().join(active, on="viewer_id", how="semi")
    current = latest_state(
        edges.with_columns(pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("at")),
        history.follows,
        keys={"follower_id": "viewer_id", "followee_id": "author_id"},
        value="following",
        name="following",
    ).filter(pl.col("following") > 0)
    return pl.concat([current.select("viewer_id", "author_id"), engaged, shown]).unique().sort("viewer_id", "author_id")


def _nonzero(frame: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """Rows with a feature other than zero: a missing key reads as zeros (ranking_features.unpack), so the others
    need no Redis memory."""
    return frame.filter(pl.any_horizontal(pl.col(n) != 0 for n in names))


def online_features(history: History, now: datetime, *, active_days: int, post_days: int) -> OnlineFeatures:
    at = pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("at")
    pairs = _pairs(history, now, now - timedelta(days=active_days)).with_columns(at)
    recent_posts = history.posts.filter(pl.col("t") >= now - timedelta(days=post_days))
    authors = pl.concat([pairs.select("author_id"), recent_posts.select("author_id")]).unique().sort("author_id")
    posts = recent_posts.select("post_id").unique().sort("post_id").with_columns(at)
    return OnlineFeatures(
        affinity=_nonzero(affinity(pairs, history).select("viewer_id", "author_id", *AFFINITY), AFFINITY),
        author=_nonzero(author(authors.with_columns(at), history).select("author_id", *AUTHOR), AUTHOR),
        post=_nonzero(post(posts, history).select("post_id", *POST), POST),
    )
