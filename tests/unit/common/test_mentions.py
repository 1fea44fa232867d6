from __future__ import annotations

import pytest

from services.common.mentions import parse_mentions


def test_mentions_in_order_lower_cased_without_repeats() -> None:
    assert parse_mentions("hi @Alice and @bob_99, @ALICE again; cc @carol.") == ["alice", "bob_99", "carol"]


@pytest.mark.parametrize(
    "text",
    [
        "mail me at someone@example.com",  # an e-mail address is not a mention
        "@ab is too short",
        "@" + "a" * 31 + " is too long",
        "@@double",
        "no mention here",
        "a@b_cdef glued to a word",
    ],
)
def test_not_mentions(text: str) -> None:
    assert parse_mentions(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@abc", ["abc"]),
        ("(@abc)", ["abc"]),
        ("@abc's post", ["abc"]),
        ("@abc-def", ["abc"]),
        ("line\n@" + "z" * 30, ["z" * 30]),
    ],
)
def test_mention_boundaries(text: str, expected: list[str]) -> None:
    assert parse_mentions(text) == expected


def test_mentions_are_capped() -> None:
    text = " ".join(f"@user{i:03d}" for i in range(50))
    assert parse_mentions(text, limit=5) == ["user000", "user001", "user002", "user003", "user004"]
