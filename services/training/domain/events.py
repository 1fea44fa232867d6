"""The lake's event frames, reshaped into what the features and labels are computed from. Every id is Int64 and
every time a UTC microsecond Datetime named `t` (the event's occur_time), so frames join on them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from services.common.lake_layout import event_schema

TIME = pl.Datetime("us", "UTC")
# The lake's event types this module reads.
EVENT_TYPES = (
    "post_published",
    "post_liked",
    "post_unliked",
    "comment_created",
    "comment_deleted",
    "post_shared",
    "feed_impression",
    "user_followed",
    "user_unfollowed",
    "user_blocked",
    "close_friends_changed",
)
# Kinds of `History.engagements` that count as engaging with a post (labels, rates); unlikes and deleted comments
# only take back a count.
ENGAGING = ("like", "comment", "share")


@dataclass(frozen=True)
class History:
    """What happened, in the shapes the features use."""

    # user_id, post_id, author_id (the post's), t, kind (like/unlike/comment/uncomment/share), delta (+1 or -1)
    engagements: pl.DataFrame
    # viewer_id, post_id, author_id, t, page_id, position, experiment, post_create_time, has_media, mode
    impressions: pl.DataFrame
    # post_id, author_id, t (published), has_media
    posts: pl.DataFrame
    # follower_id, followee_id, t, following (1.0 follows from t on, 0.0 not)
    follows: pl.DataFrame
    # owner_id, friend_id, t, close (1.0 on the owner's list from t on, 0.0 not)
    close_friends: pl.DataFrame


def _empty(event_type: str) -> pl.DataFrame:
    frame = pl.from_arrow(event_schema(event_type).empty_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _ids(*names: str) -> list[pl.Expr]:
    return [pl.col(n).cast(pl.Int64) for n in names]


def _t() -> pl.Expr:
    return pl.col("occur_time").cast(TIME).alias("t")


def history(given: Mapping[str, pl.DataFrame]) -> History:
    """From the lake's frames by event type (read with services.common.lake_reader.read_events); a type not given
    counts as no events."""
    frames = {kind: given[kind] if kind in given else _empty(kind) for kind in EVENT_TYPES}

    def engagement(kind: str, source: str, user: str, delta: int) -> pl.DataFrame:
        frame = frames[source]
        return frame.select(
            pl.col(user).cast(pl.Int64).alias("user_id"),
            *_ids("post_id"),
            pl.col("post_author_id").cast(pl.Int64).alias("author_id"),
            _t(),
            pl.lit(kind).alias("kind"),
            pl.lit(delta, pl.Int64).alias("delta"),
        )

    engagements = pl.concat(
        [
            engagement("like", "post_liked", "user_id", 1),
            engagement("unlike", "post_unliked", "user_id", -1),
            engagement("comment", "comment_created", "author_id", 1),
            engagement("uncomment", "comment_deleted", "author_id", -1),
            engagement("share", "post_shared", "user_id", 1),
        ]
    ).sort("t")
    shown = frames["feed_impression"]
    impressions = shown.select(
        *_ids("viewer_id", "post_id", "author_id"),
        _t(),
        pl.col("page_id").fill_null(""),
        pl.col("position").cast(pl.Int64),
        pl.col("experiment").fill_null(""),
        pl.col("post_create_time").cast(TIME),
        pl.col("has_media").fill_null(False),
        pl.col("mode").fill_null(""),
    ).sort("t")
    posts = frames["post_published"].select(*_ids("post_id", "author_id"), _t(), pl.col("has_media").fill_null(False))

    def edges(source: str, a: str, b: str, following: float) -> pl.DataFrame:
        return frames[source].select(
            pl.col(a).cast(pl.Int64).alias("follower_id"),
            pl.col(b).cast(pl.Int64).alias("followee_id"),
            _t(),
            pl.lit(following).alias("following"),
        )

    # A block ends the follows both ways.
    follows = pl.concat(
        [
            edges("user_followed", "follower_id", "followee_id", 1.0),
            edges("user_unfollowed", "follower_id", "followee_id", 0.0),
            edges("user_blocked", "blocker_id", "blocked_id", 0.0),
            edges("user_blocked", "blocked_id", "blocker_id", 0.0),
        ]
    ).sort("t")
    close_friends = (
        frames["close_friends_changed"]
        .select(
            *_ids("owner_id", "friend_id"),
            _t(),
            pl.col("added").fill_null(False).cast(pl.Float64).alias("close"),
        )
        .sort("t")
    )
    return History(engagements, impressions, posts.sort("t"), follows, close_friends)
