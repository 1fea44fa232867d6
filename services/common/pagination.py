"""Page sizes and opaque cursors, the same for every list RPC.

A cursor is URL-safe base64 of a small JSON object that records the position after the last item served (for
example the last id), never an offset, so a list that grows while it is paged yields no duplicates and no gaps.
Clients must treat it as opaque; a cursor that does not decode is INVALID_ARGUMENT, not a crash.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from services.common.errors import InvalidArgument

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def page_limit(requested: int, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """0 means the default; negative is an error; above the maximum is clamped (AIP-158)."""
    if requested < 0:
        raise InvalidArgument(f"limit must be between 0 and {maximum}, got {requested}", reason="BAD_LIMIT")
    if requested == 0:
        return default
    return min(requested, maximum)


_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)  # one for all: `json.dumps` with options builds one


def encode_cursor(position: dict[str, Any]) -> str:
    raw = _ENCODER.encode(position).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_MALFORMED = "cursor is malformed: pass nextCursor from the previous page"
# Every cursor we issue is a few dozen characters; a longer one is forged, and refusing it before decoding bounds
# what a caller makes us parse (a deeply nested one would otherwise exhaust the JSON parser's recursion).
MAX_CURSOR_CHARS = 1024
# Positions are ids and counts stored as signed 64-bit integers in every store.
_INT64 = range(-(2**63), 2**63)


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The position a cursor encodes; {} for the first page."""
    if not cursor:
        return {}
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidArgument(_MALFORMED, reason="BAD_CURSOR")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidArgument(_MALFORMED, reason="BAD_CURSOR") from None
    if not isinstance(value, dict):
        raise InvalidArgument(_MALFORMED, reason="BAD_CURSOR")
    return value


def cursor_int(position: dict[str, Any], key: str) -> int | None:
    """An integer field of a decoded cursor, validated."""
    if key not in position:
        return None
    value = position[key]
    if not isinstance(value, int) or isinstance(value, bool) or value not in _INT64:
        raise InvalidArgument(_MALFORMED, reason="BAD_CURSOR")
    return value
