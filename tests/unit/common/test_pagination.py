from __future__ import annotations

import base64

import pytest

from services.common.errors import InvalidArgument
from services.common.pagination import MAX_CURSOR_CHARS, cursor_int, decode_cursor, encode_cursor, page_limit


def test_limit_default_clamp_and_negative() -> None:
    assert page_limit(0) == 20
    assert page_limit(7) == 7
    assert page_limit(1000) == 100
    with pytest.raises(InvalidArgument):
        page_limit(-1)


def test_cursor_round_trip_is_opaque_text() -> None:
    cursor = encode_cursor({"before": 123456789012345678})
    assert cursor.isascii() and "=" not in cursor
    assert cursor_int(decode_cursor(cursor), "before") == 123456789012345678
    assert decode_cursor("") == {}


@pytest.mark.parametrize("bad", ["%%%", "bm90IGpzb24", encode_cursor({"before": "x"})[:-1] + "!", "WzFd"])
def test_malformed_cursor_is_invalid_argument(bad: str) -> None:
    with pytest.raises(InvalidArgument):
        cursor_int(decode_cursor(bad), "before")


def test_cursor_with_wrong_type_is_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        cursor_int(decode_cursor(encode_cursor({"before": "x"})), "before")


@pytest.mark.parametrize(
    "forged",
    [
        base64.urlsafe_b64encode(b"[" * 700).decode(),  # nested within the length cap
        base64.urlsafe_b64encode(b'{"b": ' + b"[" * 20_000).decode(),  # nested past the parser's recursion limit
        "e30" + "A" * MAX_CURSOR_CHARS,  # longer than any cursor we issue
    ],
)
def test_forged_deep_or_huge_cursor_is_invalid_argument(forged: str) -> None:
    with pytest.raises(InvalidArgument):
        cursor_int(decode_cursor(forged), "b")


def test_cursor_int_outside_int64_is_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        cursor_int(decode_cursor(encode_cursor({"b": 2**63})), "b")
    assert cursor_int(decode_cursor(encode_cursor({"b": 2**63 - 1})), "b") == 2**63 - 1
