"""How a follow link moves under each action."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.graph.domain import links
from services.graph.domain.model import FollowState, Link


@pytest.mark.parametrize(
    ("current", "private", "after", "changed"),
    [
        (Link.NONE, False, Link.FOLLOWING, True),
        (Link.NONE, True, Link.REQUESTED, True),
        (Link.FOLLOWING, False, Link.FOLLOWING, False),
        (Link.FOLLOWING, True, Link.FOLLOWING, False),
        (Link.REQUESTED, True, Link.REQUESTED, False),
    ],
)
def test_follow(current: Link, private: bool, after: Link, changed: bool) -> None:
    step = links.follow(current, target_private=private, blocked=False)
    assert (step.after, step.changed) == (after, changed)


@pytest.mark.parametrize("current", list(Link))
def test_follow_across_a_block_is_denied(current: Link) -> None:
    with pytest.raises(PermissionDenied):
        links.follow(current, target_private=False, blocked=True)


def test_follow_state() -> None:
    assert links.follow_state(Link.FOLLOWING) is FollowState.FOLLOWING
    assert links.follow_state(Link.REQUESTED) is FollowState.REQUESTED
    with pytest.raises(ValueError):
        links.follow_state(Link.NONE)


@pytest.mark.parametrize(("current", "changed"), [(Link.NONE, False), (Link.REQUESTED, True), (Link.FOLLOWING, True)])
def test_unfollow_clears_any_link(current: Link, changed: bool) -> None:
    step = links.unfollow(current)
    assert (step.after, step.changed) == (Link.NONE, changed)


def test_approve_and_reject_need_a_pending_request() -> None:
    assert links.approve(Link.REQUESTED).after is Link.FOLLOWING
    assert links.reject(Link.REQUESTED).after is Link.NONE
    for current in (Link.NONE, Link.FOLLOWING):
        with pytest.raises(NotFound):
            links.approve(current)
        with pytest.raises(NotFound):
            links.reject(current)


def test_check_other() -> None:
    links.check_other(1, 2, refusal="no")
    with pytest.raises(InvalidArgument) as caught:
        links.check_other(1, 1, refusal="you cannot follow yourself")
    assert caught.value.reason == "SELF_RELATIONSHIP"
    with pytest.raises(InvalidArgument):
        links.check_other(1, 0, refusal="no")
