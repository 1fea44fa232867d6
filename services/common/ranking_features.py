"""The ranking model's features: their names, order and meaning, shared by the offline feature job (which computes
them point-in-time for the training set and as of now for Redis) and the ranking service (which assembles them for
each candidate at serve time). A model is trained on, and published with, `FEATURE_NAMES`; a model whose metadata
names other features is not loaded.

Three groups come from Redis, written by the feature job (services.common.redis_keys `ranking_*`); the last group is
computed at serve time from the candidate the timeline sends (its counts are the live ones). A missing group is all
zeros, which is also what a viewer, author or post with no history has offline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# (viewer, author): the viewer's engagement with the author's posts, and the graph between them.
AFFINITY = (
    "aff_likes_1d",  # likes by the viewer on the author's posts in the last day
    "aff_likes_7d",
    "aff_likes_30d",
    "aff_comments_30d",  # comments by the viewer on the author's posts, last 30 days
    "aff_shares_30d",
    "aff_impressions_7d",  # the author's posts shown to the viewer, last 7 days
    "aff_engage_rate_30d",  # (likes + comments + shares) / (impressions + 5), last 30 days
    "is_mutual_follow",  # 1.0 when each follows the other
    "is_close_friend",  # 1.0 when the author has the viewer on their close-friends list
)
# The author: how their posts do with everyone.
AUTHOR = (
    "author_engage_rate_7d",  # engagements on the author's posts / (impressions + 20), last 7 days
    "author_likes_per_post_7d",  # likes on the author's posts in the last 7 days / posts published in them (>= 1)
    "author_posts_7d",  # posts published in the last 7 days
)
# The post, as of the feature run.
POST = (
    "post_engage_rate",  # engagements / (impressions + 20), the post's whole life
    "post_likes_1h",  # likes in the last hour (velocity)
)
# The candidate at serve time (offline: at the impression's time).
CANDIDATE = (
    "age_hours",  # hours since the post was published
    "log_likes",  # ln(1 + likes)
    "log_comments",
    "log_shares",
    "has_media",
    "is_own_post",  # the viewer wrote it
)
FEATURE_NAMES: tuple[str, ...] = AFFINITY + AUTHOR + POST + CANDIDATE


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the timeline knows of a candidate when it asks for scores."""

    author_id: int
    age_hours: float
    likes: int
    comments: int
    shares: int
    has_media: bool


def pack(values: Sequence[float]) -> str:
    """The Redis form of a group: comma-separated, shortest round-tripping floats."""
    return ",".join(repr(float(v)) for v in values)


def unpack(raw: str | bytes | None, width: int) -> list[float]:
    """A group read back; zeros for a missing or malformed value (an older run's layout counts as missing)."""
    if raw is None:
        return [0.0] * width
    text = raw.decode() if isinstance(raw, bytes) else raw
    parts = text.split(",")
    if len(parts) != width:
        return [0.0] * width
    try:
        return [float(p) for p in parts]
    except ValueError:
        return [0.0] * width


def candidate_group(viewer_id: int, candidate: Candidate) -> list[float]:
    """The CANDIDATE group, computed the same way online and offline."""
    return [
        max(0.0, candidate.age_hours),
        math.log1p(max(0, candidate.likes)),
        math.log1p(max(0, candidate.comments)),
        math.log1p(max(0, candidate.shares)),
        1.0 if candidate.has_media else 0.0,
        1.0 if candidate.author_id == viewer_id else 0.0,
    ]


def vector(
    viewer_id: int,
    candidate: Candidate,
    affinity: Sequence[float],
    author: Sequence[float],
    post: Sequence[float],
) -> list[float]:
    """One row in FEATURE_NAMES order."""
    return [*affinity, *author, *post, *candidate_group(viewer_id, candidate)]
