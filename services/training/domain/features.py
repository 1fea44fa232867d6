"""The ranking features of services/common/ranking_features.py, computed over the lake's history for a frame of
queries: one row per (viewer_id, author_id, post_id, at), as of `at`. The training set asks at each impression's
time (point in time: only what happened before it), the Redis export asks at the run's start; both use these same
functions, so offline and online see the same columns.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from services.common.ranking_features import AFFINITY, AUTHOR, CANDIDATE, POST
from services.training.domain.events import ENGAGING, History
from services.training.domain.windows import latest_state, windowed_sums

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Smoothing of the rates (ranking_features.py): a handful of impressions does not make a rate of 1.
AFFINITY_PRIOR = 5.0
POPULARITY_PRIOR = 20.0


def _kinds(history: History, *kinds: str) -> pl.DataFrame:
    return history.engagements.filter(pl.col("kind").is_in(kinds))


def _shown(history: History) -> pl.DataFrame:
    return history.impressions.with_columns(pl.lit(1.0).alias("one"))


def affinity(queries: pl.DataFrame, history: History) -> pl.DataFrame:
    """AFFINITY of (viewer_id, author_id) as of `at`."""
    pair = {"user_id": "viewer_id", "author_id": "author_id"}
    q = windowed_sums(
        queries,
        _kinds(history, "like", "unlike"),
        keys=pair,
        value="delta",
        windows={"aff_likes_1d": DAY, "aff_likes_7d": 7 * DAY, "aff_likes_30d": 30 * DAY},
    )
    q = windowed_sums(q, _kinds(history, "comment"), keys=pair, value="delta", windows={"aff_comments_30d": 30 * DAY})
    q = windowed_sums(q, _kinds(history, "share"), keys=pair, value="delta", windows={"aff_shares_30d": 30 * DAY})
    q = windowed_sums(
        q,
        _shown(history),
        keys={"viewer_id": "viewer_id", "author_id": "author_id"},
        value="one",
        windows={"aff_impressions_7d": 7 * DAY, "_aff_impressions_30d": 30 * DAY},
    )
    # Likes taken back never make a count negative (a like older than the window, taken back inside it).
    likes = [pl.col(c).clip(lower_bound=0.0) for c in ("aff_likes_1d", "aff_likes_7d", "aff_likes_30d")]
    q = q.with_columns(likes).with_columns(
        (
            (pl.col("aff_likes_30d") + pl.col("aff_comments_30d") + pl.col("aff_shares_30d"))
            / (pl.col("_aff_impressions_30d") + AFFINITY_PRIOR)
        ).alias("aff_engage_rate_30d")
    )
    follows = {"follower_id": "viewer_id", "followee_id": "author_id"}
    back = {"follower_id": "author_id", "followee_id": "viewer_id"}
    q = latest_state(q, history.follows, keys=follows, value="following", name="_follows")
    q = latest_state(q, history.follows, keys=back, value="following", name="_followed")
    q = q.with_columns((pl.col("_follows") * pl.col("_followed")).alias("is_mutual_follow"))
    friends = {"owner_id": "author_id", "friend_id": "viewer_id"}
    q = latest_state(q, history.close_friends, keys=friends, value="close", name="is_close_friend")
    return q.drop("_aff_impressions_30d", "_follows", "_followed")


def author(queries: pl.DataFrame, history: History) -> pl.DataFrame:
    """AUTHOR of author_id as of `at`. author_likes_per_post_7d: likes on the author's posts in the last 7 days per
    post published in them (at least one)."""
    by_author = {"author_id": "author_id"}
    q = windowed_sums(
        queries,
        _kinds(history, *ENGAGING),
        keys=by_author,
        value="delta",
        windows={"_engaged_7d": 7 * DAY},
    )
    q = windowed_sums(q, _kinds(history, "like"), keys=by_author, value="delta", windows={"_likes_7d": 7 * DAY})
    q = windowed_sums(q, _shown(history), keys=by_author, value="one", windows={"_shown_7d": 7 * DAY})
    posts = history.posts.with_columns(pl.lit(1.0).alias("one"))
    q = windowed_sums(q, posts, keys=by_author, value="one", windows={"author_posts_7d": 7 * DAY})
    return q.with_columns(
        (pl.col("_engaged_7d") / (pl.col("_shown_7d") + POPULARITY_PRIOR)).alias("author_engage_rate_7d"),
        (pl.col("_likes_7d") / pl.col("author_posts_7d").clip(lower_bound=1.0)).alias("author_likes_per_post_7d"),
    ).drop("_engaged_7d", "_likes_7d", "_shown_7d")


def post(queries: pl.DataFrame, history: History) -> pl.DataFrame:
    """POST of post_id as of `at`."""
    by_post = {"post_id": "post_id"}
    q = windowed_sums(queries, _kinds(history, *ENGAGING), keys=by_post, value="delta", windows={"_engaged": None})
    q = windowed_sums(q, _shown(history), keys=by_post, value="one", windows={"_shown": None})
    q = windowed_sums(q, _kinds(history, "like"), keys=by_post, value="delta", windows={"post_likes_1h": HOUR})
    return q.with_columns((pl.col("_engaged") / (pl.col("_shown") + POPULARITY_PRIOR)).alias("post_engage_rate")).drop(
        "_engaged", "_shown"
    )


def candidate(queries: pl.DataFrame, history: History) -> pl.DataFrame:
    """CANDIDATE as the timeline would send it at `at` (its live counts: likes and comments net of those taken back),
    computed like ranking_features.candidate_group. Needs post_create_time and has_media in the queries."""
    by_post = {"post_id": "post_id"}
    q = windowed_sums(queries, _kinds(history, "like", "unlike"), keys=by_post, value="delta", windows={"_likes": None})
    q = windowed_sums(
        q, _kinds(history, "comment", "uncomment"), keys=by_post, value="delta", windows={"_comments": None}
    )
    q = windowed_sums(q, _kinds(history, "share"), keys=by_post, value="delta", windows={"_shares": None})
    age = (pl.col("at") - pl.col("post_create_time")).dt.total_microseconds() / 3_600_000_000
    return q.with_columns(
        age.fill_null(0.0).clip(lower_bound=0.0).alias("age_hours"),
        pl.col("_likes").clip(lower_bound=0.0).log1p().alias("log_likes"),
        pl.col("_comments").clip(lower_bound=0.0).log1p().alias("log_comments"),
        pl.col("_shares").clip(lower_bound=0.0).log1p().alias("log_shares"),
        pl.col("has_media").fill_null(False).cast(pl.Float64).alias("has_media"),
        (pl.col("author_id") == pl.col("viewer_id")).cast(pl.Float64).alias("is_own_post"),
    ).drop("_likes", "_comments", "_shares")


def all_features(queries: pl.DataFrame, history: History) -> pl.DataFrame:
    """Every group, for training rows."""
    return candidate(post(author(affinity(queries, history), history), history), history)


GROUPS = {"affinity": AFFINITY, "author": AUTHOR, "post": POST, "candidate": CANDIDATE}
