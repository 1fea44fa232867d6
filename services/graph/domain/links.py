"""How the link from one user to another changes under each action, and whether the change is worth an event.

The application layer reads the current link inside the transaction (under the pair's lock), asks these rules
what to do, and writes the result. Idempotent actions report `changed=False` and emit nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.graph.domain.model import FollowState, Link


@dataclass(frozen=True)
class Transition:
    before: Link
    after: Link

    @property
    def changed(self) -> bool:
        return self.before is not self.after


def check_other(caller_id: int, user_id: int, *, refusal: str) -> None:
    """A user id naming someone other than the caller; `refusal` says why the caller may not name themselves."""
    if user_id <= 0:
        raise InvalidArgument("user_id must be a positive user id", reason="BAD_USER_ID")
    if user_id == caller_id:
        raise InvalidArgument(refusal, reason="SELF_RELATIONSHIP")


def follow(current: Link, *, target_private: bool, blocked: bool) -> Transition:
    """Following a public account links at once; a private one gets a request. Repeating changes nothing."""
    if blocked:
        raise PermissionDenied("you cannot follow this user", reason="BLOCKED")
    if current is not Link.NONE:
        return Transition(current, current)
    return Transition(current, Link.REQUESTED if target_private else Link.FOLLOWING)


def follow_state(link: Link) -> FollowState:
    if link is Link.FOLLOWING:
        return FollowState.FOLLOWING
    if link is Link.REQUESTED:
        return FollowState.REQUESTED
    raise ValueError("no follow state for an absent link")


def unfollow(current: Link) -> Transition:
    """Stops following, or withdraws a pending request; nothing to do when there is no link."""
    return Transition(current, Link.NONE)


def approve(current: Link) -> Transition:
    """A pending request becomes a follow."""
    if current is not Link.REQUESTED:
        raise NotFound("no pending follow request from this user", reason="FOLLOW_REQUEST_NOT_FOUND")
    return Transition(current, Link.FOLLOWING)


def reject(current: Link) -> Transition:
    """A pending request is dropped."""
    if current is not Link.REQUESTED:
        raise NotFound("no pending follow request from this user", reason="FOLLOW_REQUEST_NOT_FOUND")
    return Transition(current, Link.NONE)
