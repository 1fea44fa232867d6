"""The visibility rule, over every combination of its inputs."""

from __future__ import annotations

import itertools

import pytest

from services.common.visibility import Relationship, Visibility, may_see

VIEWER, AUTHOR = 1, 2
BOOLS = (False, True)


def expected(*, own: bool, visibility: Visibility, private: bool, blocked: bool, follows: bool, friend: bool) -> bool:
    """The contract, read clause by clause."""
    if own:
        return True  # the author always sees their own posts
    if blocked:
        return False  # a block either way hides everything
    audience = {
        Visibility.PUBLIC: True,
        Visibility.FOLLOWERS: follows,
        Visibility.CLOSE_FRIENDS: friend,
    }[visibility]
    return audience and (follows or not private)  # private: approved followers only, whatever the visibility


@pytest.mark.parametrize(
    ("own", "visibility", "private", "blocked", "follows", "friend"),
    list(itertools.product(BOOLS, Visibility, BOOLS, BOOLS, BOOLS, BOOLS)),
)
def test_every_combination(
    own: bool, visibility: Visibility, private: bool, blocked: bool, follows: bool, friend: bool
) -> None:
    decision = may_see(
        viewer_id=AUTHOR if own else VIEWER,
        author_id=AUTHOR,
        visibility=visibility,
        author_private=private,
        relationship=Relationship(blocked=blocked, follows=follows, close_friend=friend),
    )
    assert decision is expected(
        own=own, visibility=visibility, private=private, blocked=blocked, follows=follows, friend=friend
    )


def see(visibility: Visibility, *, private: bool = False, **relationship: bool) -> bool:
    return may_see(
        viewer_id=VIEWER,
        author_id=AUTHOR,
        visibility=visibility,
        author_private=private,
        relationship=Relationship(**relationship),
    )


def test_the_author_sees_even_a_block() -> None:
    blocked = Relationship(blocked=True)
    for visibility in Visibility:
        assert may_see(
            viewer_id=AUTHOR, author_id=AUTHOR, visibility=visibility, author_private=True, relationship=blocked
        )


def test_public_posts_of_a_public_author_are_seen_by_strangers() -> None:
    assert see(Visibility.PUBLIC)


def test_a_block_hides_even_from_a_follower_and_close_friend() -> None:
    assert not see(Visibility.PUBLIC, blocked=True, follows=True, close_friend=True)


def test_a_private_author_is_seen_only_by_followers_whatever_the_visibility() -> None:
    assert not see(Visibility.PUBLIC, private=True)
    assert not see(Visibility.CLOSE_FRIENDS, private=True, close_friend=True)
    assert see(Visibility.PUBLIC, private=True, follows=True)
    assert see(Visibility.CLOSE_FRIENDS, private=True, follows=True, close_friend=True)


def test_followers_posts_need_a_follower() -> None:
    assert not see(Visibility.FOLLOWERS)
    assert not see(Visibility.FOLLOWERS, close_friend=True)
    assert see(Visibility.FOLLOWERS, follows=True)


def test_close_friends_posts_need_the_list_not_a_follow() -> None:
    assert not see(Visibility.CLOSE_FRIENDS, follows=True)
    assert see(Visibility.CLOSE_FRIENDS, close_friend=True)
