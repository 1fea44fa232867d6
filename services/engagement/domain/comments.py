"""The rules of a comment: its text (1-1000 characters after trimming, content-safe, the same checks as a post's
text), the mentions in it, the identical-comment rule, and the cursor of ListComments."""

from __future__ import annotations

import datetime as dt

from services.common.content_safety import ContentPolicy
from services.common.errors import InvalidArgument
from services.common.mentions import parse_mentions
from services.common.pagination import cursor_int, decode_cursor, encode_cursor

COMMENT_MAX_CHARS = 1000
# The same text by the same user on the same post within this window is stored once.
IDENTICAL_COMMENT_WINDOW = dt.timedelta(minutes=10)

_AFTER = "after"


def comment_policy(denylist: tuple[str, ...], max_links: int) -> ContentPolicy:
    return ContentPolicy.from_words(denylist, max_links=max_links, max_chars=COMMENT_MAX_CHARS)


def mentioned_handles(text: str) -> list[str]:
    """The handles a comment mentions (lower-cased, without repeats, in order), for notifications to resolve."""
    return parse_mentions(text)


def identical_since(now: dt.datetime) -> dt.datetime:
    """The oldest creation time of an earlier comment that makes a new identical one a repeat."""
    return now - IDENTICAL_COMMENT_WINDOW


def decode_after(cursor: str) -> int:
    """ListComments pages oldest first by comment id: the id the page starts after (0 for the first page). Ids
    are time-ordered, so comments made while a client pages come after every page already read."""
    after = cursor_int(decode_cursor(cursor), _AFTER)
    if after is None:
        return 0
    if after <= 0:
        raise InvalidArgument("cursor is malformed: pass nextCursor from the previous page", reason="BAD_CURSOR")
    return after


def next_cursor(page_ids: list[int], more: bool) -> str:
    """The cursor after a page: empty when nothing follows."""
    return encode_cursor({_AFTER: page_ids[-1]}) if more and page_ids else ""
