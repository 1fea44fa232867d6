"""Limits and the celebrity split."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument, PermissionDenied
from services.graph.domain import rules
from services.graph.domain.model import Relationship


def test_celebrity_threshold_is_inclusive() -> None:
    assert not rules.is_celebrity(2, 3)
    assert rules.is_celebrity(3, 3)


def test_split_at_the_threshold() -> None:
    split = rules.split_followees([(5, 2, False), (3, 1, True), (9, 0, False), (4, 3, True)], threshold=2, version="v")
    assert split.pushed == [3, 9]
    assert split.celebrities == [4, 5]
    assert split.threshold == 2
    assert split.close_friend_of == [3, 4]
    assert split.version == "v"


def test_candidate_limit() -> None:
    rules.check_candidate_count(rules.MAX_VISIBILITY_CANDIDATES)
    with pytest.raises(InvalidArgument):
        rules.check_candidate_count(rules.MAX_VISIBILITY_CANDIDATES + 1)


def test_user_ids_are_positive() -> None:
    assert rules.check_user_id(7) == 7
    with pytest.raises(InvalidArgument):
        rules.check_user_id(0)


def test_counts_users_limit_repeats_and_ids() -> None:
    assert rules.check_counts_users([7, 3, 7]) == [7, 3]
    assert len(rules.check_counts_users([*range(1, 1001), 1])) == 1000  # repeats do not count against the limit
    with pytest.raises(InvalidArgument):
        rules.check_counts_users(range(1, 1002))
    with pytest.raises(InvalidArgument):
        rules.check_counts_users([4, 0])


@pytest.mark.parametrize(
    ("private", "relationship", "reason"),
    [
        (False, Relationship(), None),
        (False, Relationship(blocked=True), "BLOCKED"),
        (True, Relationship(follows=True), None),
        (True, Relationship(follows=True, close_friend=True), None),
        (True, Relationship(), "PRIVATE_ACCOUNT"),
        (True, Relationship(close_friend=True), "PRIVATE_ACCOUNT"),
        (True, Relationship(blocked=True), "BLOCKED"),
    ],
)
def test_who_sees_an_accounts_lists(private: bool, relationship: Relationship, reason: str | None) -> None:
    if reason is None:
        rules.check_lists_visible(owner_private=private, relationship=relationship)
        return
    with pytest.raises(PermissionDenied) as refused:
        rules.check_lists_visible(owner_private=private, relationship=relationship)
    assert refused.value.reason == reason
