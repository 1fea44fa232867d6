"""What a feed page is made of, in plain types (the servicer maps them to protos)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from services.common.visibility import Visibility
from services.timeline.domain.cursor import FeedCursor


@dataclass(frozen=True)
class Post:
    id: int
    author_id: int
    text: str
    visibility: Visibility
    create_time_ns: int
    media_refs: tuple[str, ...] = ()
    mention_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Author:
    id: int
    handle: str = ""
    display_name: str = ""
    private: bool = False
    create_time_ns: int = 0
    follower_count: int = 0
    following_count: int = 0


class FollowCounts(NamedTuple):
    """How many accounts follow a user, and how many the user follows (the graph's)."""

    followers: int
    following: int


@dataclass(frozen=True)
class PostStats:
    like_count: int = 0
    comment_count: int = 0
    share_count: int = 0
    liked_by_me: bool = False


NO_STATS = PostStats()


class FeedItem(NamedTuple):
    """A tuple, unlike the other records here: a page makes one per item on every read, and a frozen dataclass
    costs several times more to build."""

    post: Post
    author: Author
    stats: PostStats = NO_STATS


@dataclass(frozen=True)
class Ranking:
    """What the ranking service answered: one score per candidate, and what scored them."""

    scores: list[float]
    model_version: str
    experiment: str = ""  # "<experiment>/<arm>", or ""


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem] = field(default_factory=list)
    next_cursor: FeedCursor | None = None
    degraded: bool = False
    model_version: str = ""  # the model that ordered the page's ranked items ("": none did)
    experiment: str = ""
    ranked_items: int = 0
    """How many of the first items are in ranked order (a page may go on chronologically below a ranked window)."""
    scores: tuple[float, ...] = ()
    """The ranking scores of the first items, when known (a ranked first page)."""


def order_by_scores(post_ids: list[int], scores: list[float]) -> list[int]:
    """Ranked order: higher score first; equal scores newest first."""
    if len(scores) != len(post_ids):
        raise ValueError("one score per candidate")
    ranked = sorted(zip(post_ids, scores, strict=True), key=lambda pair: (-pair[1], -pair[0]))
    return [post_id for post_id, _ in ranked]
