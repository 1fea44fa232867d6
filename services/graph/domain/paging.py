"""Cursors of the graph's list RPCs.

Followers, followees and follow requests page by the row's `seq`, a number that only grows with each new row:
newest first is "seq below the last one served", oldest first is "seq above it". Follower ids page by the id
itself, ascending. A cursor never holds an offset, so rows added between pages cause no duplicates and no gaps.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.common.errors import InvalidArgument
from services.common.pagination import cursor_int, decode_cursor, encode_cursor

_MALFORMED = "cursor is malformed: pass nextCursor from the previous page"


def _decode(cursor: str, key: str) -> int | None:
    value = cursor_int(decode_cursor(cursor), key)
    if value is not None and value <= 0:
        raise InvalidArgument(_MALFORMED, reason="BAD_CURSOR")
    return value


def decode_before(cursor: str) -> int | None:
    """Newest-first lists: the seq the page must start below, or None for the first page."""
    return _decode(cursor, "before")


def decode_after(cursor: str) -> int | None:
    """Ascending lists: the seq or id the page must start above, or None for the first page."""
    return _decode(cursor, "after")


def next_before(page_keys: Sequence[int], more: bool) -> str:
    return encode_cursor({"before": page_keys[-1]}) if more and page_keys else ""


def next_after(page_keys: Sequence[int], more: bool) -> str:
    return encode_cursor({"after": page_keys[-1]}) if more and page_keys else ""
