"""Posts as the post service thinks of them: plain values, no I/O."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from services.common.errors import InvalidArgument
from services.common.ids import id_time_ms


class Visibility(enum.IntEnum):
    """Who may see a post; the values are those of feedmesh.post.v1.Visibility (and of the posts table)."""

    PUBLIC = 1
    FOLLOWERS = 2
    CLOSE_FRIENDS = 3

    @classmethod
    def from_wire(cls, value: int) -> Visibility:
        """The proto value; unset means PUBLIC, anything unknown is refused."""
        if value == 0:
            return cls.PUBLIC
        try:
            return cls(value)
        except ValueError:
            raise InvalidArgument(
                f"visibility must be PUBLIC, FOLLOWERS or CLOSE_FRIENDS, got {value}", reason="BAD_VISIBILITY"
            ) from None


@dataclass(frozen=True)
class Post:
    id: int
    author_id: int
    text: str
    media_refs: tuple[str, ...]
    visibility: Visibility
    mention_ids: tuple[int, ...]
    created_at: dt.datetime
    deleted_at: dt.datetime | None = None

    @property
    def live(self) -> bool:
        return self.deleted_at is None


@dataclass(frozen=True)
class PostStats:
    """Engagement counts and whether the reader liked the post, from the engagement service; zero where unknown."""

    like_count: int = 0
    comment_count: int = 0
    share_count: int = 0
    liked_by_viewer: bool = False


NO_STATS = PostStats()


@dataclass(frozen=True)
class PostView:
    """A post as returned to a reader: the post and its counts."""

    post: Post
    stats: PostStats = NO_STATS


@dataclass(frozen=True)
class VisibilityQuery:
    """One question for the graph service: may the viewer see a post of this author with this visibility?"""

    post_id: int
    author_id: int
    visibility: Visibility


def created_at_of(post_id: int) -> dt.datetime:
    """A post's publication time is the time its id was issued, so create_time and id order agree."""
    return dt.datetime.fromtimestamp(id_time_ms(post_id) / 1000, tz=dt.UTC)


def require_positive(value: int, name: str) -> int:
    if value <= 0:
        raise InvalidArgument(f"{name} must be a positive id, got {value}", reason=f"BAD_{name.upper()}")
    return value
