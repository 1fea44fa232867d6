"""Limits and small rules of the graph's reads."""

from __future__ import annotations

from collections.abc import Iterable

from services.common.errors import InvalidArgument, PermissionDenied
from services.graph.domain.model import FolloweeSplit, Relationship

MAX_VISIBILITY_CANDIDATES = 1000
MAX_COUNTS_USERS = 1000
FOLLOWER_IDS_DEFAULT_LIMIT = 1000
FOLLOWER_IDS_MAX_LIMIT = 10_000


def check_user_id(user_id: int, *, field: str = "user_id") -> int:
    if user_id <= 0:
        raise InvalidArgument(f"{field} must be a positive user id", reason="BAD_USER_ID")
    return user_id


def check_candidate_count(count: int) -> None:
    if count > MAX_VISIBILITY_CANDIDATES:
        raise InvalidArgument(
            f"at most {MAX_VISIBILITY_CANDIDATES} candidates per call, got {count}", reason="TOO_MANY_CANDIDATES"
        )


def check_counts_users(user_ids: Iterable[int]) -> list[int]:
    """The distinct users of a BatchGetUserCounts call, in order; every id positive, at most MAX_COUNTS_USERS."""
    wanted = list(dict.fromkeys(user_ids))
    if len(wanted) > MAX_COUNTS_USERS:
        raise InvalidArgument(f"at most {MAX_COUNTS_USERS} users per call, got {len(wanted)}", reason="TOO_MANY_USERS")
    for user_id in wanted:
        check_user_id(user_id)
    return wanted


def check_lists_visible(*, owner_private: bool, relationship: Relationship) -> None:
    """Whom an account follows and who follows it are its relationships: hidden from a user blocked either way, and a
    private account's from everyone but its approved followers (as its posts are). The owner is never asked."""
    if relationship.blocked:
        raise PermissionDenied("you cannot see this user's followers or followings", reason="BLOCKED")
    if owner_private and not relationship.follows:
        raise PermissionDenied(
            "this account is private: only its approved followers see its followers and followings",
            reason="PRIVATE_ACCOUNT",
        )


def is_celebrity(follower_count: int, threshold: int) -> bool:
    """An author with at least `threshold` followers is a celebrity: its posts are pulled at read time, never pushed.
    The graph is the one place that decides it (ListFolloweeIds' split, ListFollowerIds' flag)."""
    return follower_count >= threshold


def split_followees(followees: Iterable[tuple[int, int, bool]], threshold: int, version: str = "") -> FolloweeSplit:
    """(followee id, follower count, viewer is a close friend) triples split by the celebrity threshold: at or above
    it, the followee's posts are pulled at read time instead of pushed. Lists in ascending id order."""
    pushed: list[int] = []
    celebrities: list[int] = []
    close_friend_of: list[int] = []
    for followee_id, follower_count, close_friend in sorted(followees):
        (celebrities if is_celebrity(follower_count, threshold) else pushed).append(followee_id)
        if close_friend:
            close_friend_of.append(followee_id)
    return FolloweeSplit(
        pushed=pushed, celebrities=celebrities, threshold=threshold, close_friend_of=close_friend_of, version=version
    )
