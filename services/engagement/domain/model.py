"""Engagement as the service thinks of it: plain values, no I/O."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from services.common.errors import InvalidArgument
from services.common.ids import id_time_ms
from services.common.visibility import Visibility

MAX_BATCH_POSTS = 1000


class Action(enum.StrEnum):
    """What an Idempotency-Key was first used for (stored with it)."""

    LIKE = "like"
    UNLIKE = "unlike"
    COMMENT = "comment"
    SHARE = "share"


class CounterKind(enum.StrEnum):
    """The three counts of a post; each is the number of rows of its kind (likes, comments, shares)."""

    LIKES = "likes"
    COMMENTS = "comments"
    SHARES = "shares"


@dataclass(frozen=True)
class PostRef:
    """A post the caller may see, as the post service answered it. Its author and audience never change."""

    id: int
    author_id: int
    visibility: Visibility = Visibility.PUBLIC


@dataclass(frozen=True)
class Comment:
    id: int
    post_id: int
    author_id: int
    text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Counts:
    likes: int = 0
    comments: int = 0
    shares: int = 0

    def of(self, kind: CounterKind) -> int:
        return int(getattr(self, kind.value))

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.likes + other.likes, self.comments + other.comments, self.shares + other.shares)


@dataclass(frozen=True)
class RowChange:
    """What a write did to a like or comment row: whether it changed anything, and whether the row is hidden (made
    while its author was shadow-banned: it counts for nobody else, services/engagement/domain/shadow_bans.py)."""

    changed: bool
    hidden: bool
    order: int | None = None
    """A like's change: its place among the row's changes, in commit order (ordered writes, Database.ordered)."""


@dataclass(frozen=True)
class PostStats:
    """What a reader is shown of a post's engagement."""

    post_id: int
    counts: Counts
    liked_by_viewer: bool = False


@dataclass(frozen=True)
class LikeState:
    """The answer of LikePost and UnlikePost."""

    liked: bool
    like_count: int


@dataclass(frozen=True)
class ShareCount:
    """The answer of SharePost."""

    share_count: int


Answer = LikeState | ShareCount | Comment


@dataclass(frozen=True)
class KeyRecord:
    """An Idempotency-Key as stored: what it was first used for, and the answer given (None until there is one)."""

    action: Action
    post_id: int
    answer: Answer | None


@dataclass(frozen=True)
class MemberChange:
    """One row of a post's counted rows appearing or disappearing: the Redis side applies it as set membership."""

    post_id: int
    kind: CounterKind
    member_id: int
    present: bool
    order: int | None = None
    """The change's place among the row's changes (RowChange.order): applied only after every earlier one. None:
    the writer holds the row's lock until the change is applied."""


def created_at_of(snowflake: int) -> dt.datetime:
    """A comment's or share's time is the time its id was issued, so create_time and id order agree."""
    return dt.datetime.fromtimestamp(id_time_ms(snowflake) / 1000, tz=dt.UTC)


def require_positive(value: int, name: str) -> int:
    if value <= 0:
        raise InvalidArgument(f"{name} must be a positive id, got {value}", reason=f"BAD_{name.upper()}")
    return value


def check_batch(post_ids: list[int]) -> list[int]:
    """BatchGetPostStats' ids: at most 1000, each positive."""
    if len(post_ids) > MAX_BATCH_POSTS:
        raise InvalidArgument(
            f"at most {MAX_BATCH_POSTS} post ids per call, got {len(post_ids)}", reason="TOO_MANY_IDS"
        )
    for post_id in post_ids:
        require_positive(post_id, "post_id")
    return post_ids
