"""The graph's plain values: the profile the auth service owns, counts, links between two users, and the events
a change emits. No I/O here."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from services.common.visibility import Relationship, Visibility

__all__ = ["Relationship", "Visibility"]  # re-exported: the rule's types live with the rule


@dataclass(frozen=True)
class Profile:
    """An account as the auth service describes it. Immutable today, so it is safe to cache."""

    id: int
    handle: str
    display_name: str
    private: bool
    create_time: datetime


@dataclass(frozen=True)
class Counts:
    """How many accounts follow a user, and how many the user follows."""

    followers: int = 0
    following: int = 0


@dataclass(frozen=True)
class UserCard:
    """A profile with its counts: what the public RPCs return for a user."""

    profile: Profile
    counts: Counts


@dataclass(frozen=True)
class Standing:
    """What the caller and another user are to each other, as GetRelationship reports it."""

    following: bool = False
    requested: bool = False
    followed_by: bool = False
    blocking: bool = False
    close_friend: bool = False


class FollowState(enum.Enum):
    """Where a follow stands, as FollowUser reports it."""

    FOLLOWING = "FOLLOWING"
    REQUESTED = "REQUESTED"


class Link(enum.Enum):
    """The directed link from one user to another."""

    NONE = "NONE"
    REQUESTED = "REQUESTED"
    FOLLOWING = "FOLLOWING"


@dataclass(frozen=True)
class Candidate:
    """One post to decide on."""

    post_id: int
    author_id: int
    visibility: Visibility


@dataclass(frozen=True)
class Page:
    """One page of ids and the cursor of the next ("" on the last page)."""

    ids: list[int]
    next_cursor: str


@dataclass(frozen=True)
class FollowerIdsPage:
    """One page of an author's follower ids, in ascending order, with the total follower count, whether that makes
    the author a celebrity and, on a first page, the author's relationship version read before the ids ("" on later
    pages or when unknown)."""

    ids: list[int]
    next_cursor: str
    follower_count: int
    celebrity: bool
    version: str = ""


@dataclass(frozen=True)
class FolloweeSplit:
    """A user's followees by delivery path."""

    pushed: list[int]
    celebrities: list[int]
    threshold: int
    close_friend_of: list[int]
    """The followees whose close-friends list includes the user."""
    version: str = ""
    """The user's relationship version this answer is as of ("" when unknown)."""


# --- events: every graph change writes one (or two) to the outbox, in the transaction of the change ----------


@dataclass(frozen=True)
class UserFollowed:
    follower_id: int
    followee_id: int


@dataclass(frozen=True)
class UserUnfollowed:
    follower_id: int
    followee_id: int


@dataclass(frozen=True)
class FollowRequested:
    follower_id: int
    followee_id: int


@dataclass(frozen=True)
class FollowRequestApproved:
    follower_id: int
    followee_id: int


@dataclass(frozen=True)
class FollowRequestWithdrawn:
    follower_id: int
    followee_id: int


@dataclass(frozen=True)
class FollowRequestRejected:
    follower_id: int
    followee_id: int


@dataclass(frozen=True)
class UserBlocked:
    blocker_id: int
    blocked_id: int


@dataclass(frozen=True)
class CloseFriendsChanged:
    owner_id: int
    friend_id: int
    added: bool


GraphEvent = (
    UserFollowed
    | UserUnfollowed
    | FollowRequested
    | FollowRequestApproved
    | FollowRequestWithdrawn
    | FollowRequestRejected
    | UserBlocked
    | CloseFriendsChanged
)
