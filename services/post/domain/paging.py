"""The cursor of ListUserPosts: the id of the last post of the previous page. Pages go newest first by id, so the
next page is the posts strictly below it; posts published while a client pages have larger ids and never shift
the pages still to come (no duplicates, nothing skipped)."""

from __future__ import annotations

from services.common.errors import InvalidArgument
from services.common.pagination import cursor_int, decode_cursor, encode_cursor

_KEY = "before"


def encode_before(last_id: int) -> str:
    return encode_cursor({_KEY: last_id})


def decode_before(cursor: str) -> int | None:
    """The id the page must start below, or None for the first page."""
    before = cursor_int(decode_cursor(cursor), _KEY)
    if before is not None and before <= 0:
        raise InvalidArgument("cursor is malformed: pass nextCursor from the previous page", reason="BAD_CURSOR")
    return before


def next_cursor(page_ids: list[int], more: bool) -> str:
    """The cursor after a page: empty when nothing follows."""
    return encode_before(page_ids[-1]) if more and page_ids else ""
