"""The account rules: handles, passwords, display names, batch sizes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.auth.domain import users
from services.common.errors import InvalidArgument


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("abc", "abc"), ("Alice_01", "alice_01"), ("A" * 30, "a" * 30), ("___", "___"), ("0123", "0123")],
)
def test_valid_handles_fold_to_lower_case(raw: str, stored: str) -> None:
    assert users.validate_handle(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ab",
        "a" * 31,
        "has space",
        " alice",
        "alice\n",
        "dash-ed",
        "dot.ted",
        "@alice",
        "émile",
        "\u212aelvin",  # KELVIN SIGN: lower() gives an ASCII 'k', still not a valid handle
        "\uff46\uff55\uff4c\uff4cwidth"  # fullwidth letters,
        "١٢٣",  # Arabic-Indic digits match \d, not [0-9]
    ],
)
def test_anything_else_is_invalid_with_the_rule_in_the_message(raw: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        users.validate_handle(raw)
    assert "3-30 characters of a-z, 0-9 and _" in caught.value.message
    assert caught.value.reason == "BAD_HANDLE"


@pytest.mark.parametrize(
    ("raw", "found"),
    [("@Alice", "alice"), ("alice", "alice"), ("@@alice", None), ("al ice", None), ("@ab", None), ("", None)],
)
def test_lookup_handles_strip_one_leading_at(raw: str, found: str | None) -> None:
    assert users.lookup_handle(raw) == found


def test_passwords_are_8_to_128_characters() -> None:
    assert users.validate_password("12345678") == "12345678"
    assert users.validate_password("p" * 128) == "p" * 128
    for bad in ("", "1234567", "p" * 129):
        with pytest.raises(InvalidArgument) as caught:
            users.validate_password(bad)
        assert caught.value.reason == "BAD_PASSWORD"
        assert "8-128 characters" in caught.value.message


def test_a_rejected_password_is_not_echoed() -> None:
    with pytest.raises(InvalidArgument) as caught:
        users.validate_password("hunter2")
    assert "hunter2" not in caught.value.message


def test_passwords_are_nfkc_normalized_and_counted_after_it() -> None:
    composed, decomposed = "caf\u00e9caf\u00e9", "cafe\u0301cafe\u0301"
    assert users.validate_password(composed) == users.validate_password(decomposed)
    assert users.normalize_password("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44") == "password"


def test_display_names_are_trimmed_and_at_most_64_characters() -> None:
    assert users.validate_display_name("  Ada Lovelace  ") == "Ada Lovelace"
    assert users.validate_display_name("") == ""
    assert users.validate_display_name("é" * 64) == "é" * 64
    assert users.validate_display_name("👩\u200d💻 dev") == "👩\u200d💻 dev"  # ZWJ emoji are fine
    for bad in ("x" * 65, "line\nbreak", "bell\x07"):
        with pytest.raises(InvalidArgument) as caught:
            users.validate_display_name(bad)
        assert caught.value.reason == "BAD_DISPLAY_NAME"


def test_a_registration_validates_every_field() -> None:
    registration = users.validate_registration("Bob_1", "long enough", " Bob ", True)
    assert registration == users.Registration("bob_1", "long enough", "Bob", True)


def test_batches_take_at_most_1000_items() -> None:
    users.check_batch_size(1000, "user ids")
    with pytest.raises(InvalidArgument) as caught:
        users.check_batch_size(1001, "user ids")
    assert caught.value.message == "at most 1000 user ids per request, got 1001"


def test_results_follow_request_order_and_skip_unknown_keys() -> None:
    def user(uid: int) -> users.User:
        return users.User(uid, f"user{uid}", "", False, datetime(2026, 1, 1, tzinfo=UTC))

    found = {1: user(1), 2: user(2)}
    assert [u.id for u in users.in_request_order([2, 9, 1, 2], found)] == [2, 1, 2]


@pytest.mark.parametrize(("raw", "prefix"), [("al", "al"), ("@Al", "al"), ("A_1", "a_1"), ("x" * 30, "x" * 30)])
def test_handle_prefix_is_the_stored_form_of_a_handles_start(raw: str, prefix: str) -> None:
    assert users.handle_prefix(raw) == prefix


@pytest.mark.parametrize("raw", ["", "@", "@@a", "a b", "a%", "a-b", "é", "x" * 31])
def test_handle_prefix_refuses_what_cannot_start_a_handle(raw: str) -> None:
    with pytest.raises(InvalidArgument):
        users.handle_prefix(raw)


@pytest.mark.parametrize("prefix", ["a", "al", "z", "a_", "9", "_"])
def test_prefix_upper_bound_is_above_every_handle_with_the_prefix_and_below_the_rest(prefix: str) -> None:
    bound = users.prefix_upper_bound(prefix)
    for tail in ["", "_", "0", "9", "a", "z", "zzzz"]:
        assert prefix <= prefix + tail < bound
    # the next handle in byte order that lacks the prefix is at or above the bound
    assert not bound.startswith(prefix) and bound > prefix


def test_after_handle_is_empty_or_a_stored_handle() -> None:
    assert users.check_after_handle("") == "" and users.check_after_handle("ab_c") == "ab_c"
    for bad in ["AB", "a b", "x" * 31]:
        with pytest.raises(InvalidArgument):
            users.check_after_handle(bad)


def test_a_refused_query_or_handle_is_shown_cut_short_in_the_message() -> None:
    # a peer refuses gRPC metadata past 16 KiB: the message must stay small whatever was sent
    for check in (users.handle_prefix, users.validate_handle):
        with pytest.raises(InvalidArgument) as refused:
            check("x" * 20_000 + "!")
        assert len(str(refused.value)) < 300 and "20001 characters" in str(refused.value)
