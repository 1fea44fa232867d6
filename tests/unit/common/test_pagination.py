from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.common.pagination import cursor_int, decode_cursor, encode_cursor, page_limit


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
