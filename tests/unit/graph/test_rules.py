"""Limits and the celebrity split."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.graph.domain import rules


def test_split_at_the_threshold() -> None:
    split = rules.split_followees([(5, 2), (3, 1), (9, 0), (4, 3)], threshold=2)
    assert split.pushed == [3, 9]
    assert split.celebrities == [4, 5]
    assert split.threshold == 2


def test_candidate_limit() -> None:
    rules.check_candidate_count(rules.MAX_VISIBILITY_CANDIDATES)
    with pytest.raises(InvalidArgument):
        rules.check_candidate_count(rules.MAX_VISIBILITY_CANDIDATES + 1)


def test_user_ids_are_positive() -> None:
    assert rules.check_user_id(7) == 7
    with pytest.raises(InvalidArgument):
        rules.check_user_id(0)
