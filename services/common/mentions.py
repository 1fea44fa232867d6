"""Mentions: `@handle` in a post's or a comment's text, with the registration rule for handles ([a-z0-9_]{3,30},
case-insensitive). An @ glued to a word character (an e-mail address) or a handle running on past 30 characters
is not a mention."""

from __future__ import annotations

import re

MAX_MENTIONS = 20

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})(?![\w@])")


def parse_mentions(text: str, *, limit: int = MAX_MENTIONS) -> list[str]:
    """The handles mentioned, lower-cased, without repeats, in order of first appearance; at most `limit`."""
    handles: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).lower()
        if handle not in handles:
            handles.append(handle)
            if len(handles) == limit:
                break
    return handles
