"""The feed cursor: the position after the last item served, never an offset.

Chronological pages carry `b`, the last post id served: the next page holds ids strictly below it, so posts that
arrive between pages (always above it) cause neither duplicates nor gaps. A ranked first page opens a ranking
session (`r`, its id in Redis, and `o`, how many of its ranked ids were served) over a window of candidates whose
lowest id is `lo`; once the session is used up (or expired) the feed continues chronologically below `lo`.
Every cursor also carries `n`, how many items the pages before it served (the items' positions in impressions).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from services.common.errors import InvalidArgument
from services.common.pagination import cursor_int, decode_cursor, encode_cursor


class FeedMode(Enum):
    CHRONOLOGICAL = "chronological"
    RANKED = "ranked"

    @classmethod
    def parse(cls, raw: str) -> FeedMode:
        if not raw:
            return cls.RANKED
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise InvalidArgument(
                f"mode must be 'chronological' or 'ranked', got {raw!r}", reason="BAD_FEED_MODE"
            ) from None


@dataclass(frozen=True)
class FeedCursor:
    """Where the next page starts. `before` None and no session: the first page."""

    before: int | None = None
    session: str | None = None
    offset: int = 0
    window_low: int | None = None
    served: int = 0

    @property
    def is_first_page(self) -> bool:
        return self.before is None and self.session is None

    def encode(self) -> str:
        position: dict[str, object] = {}
        if self.session is not None:
            position["r"] = self.session
            position["o"] = self.offset
            if self.window_low is not None:
                position["lo"] = self.window_low
        elif self.before is not None:
            position["b"] = self.before
        if position and self.served:
            position["n"] = self.served
        return encode_cursor(position) if position else ""

    @classmethod
    def decode(cls, raw: str) -> FeedCursor:
        position = decode_cursor(raw)
        before = cursor_int(position, "b")
        offset = cursor_int(position, "o") or 0
        low = cursor_int(position, "lo")
        served = cursor_int(position, "n") or 0
        session = position.get("r")
        if session is not None and (not isinstance(session, str) or not session.isalnum() or len(session) > 64):
            raise InvalidArgument("cursor is malformed: pass nextCursor from the previous page", reason="BAD_CURSOR")
        for value in (before, low):
            if value is not None and value <= 0:
                raise InvalidArgument(
                    "cursor is malformed: pass nextCursor from the previous page", reason="BAD_CURSOR"
                )
        if offset < 0 or served < 0:
            raise InvalidArgument("cursor is malformed: pass nextCursor from the previous page", reason="BAD_CURSOR")
        return cls(before=before, session=session, offset=offset, window_low=low, served=served)
