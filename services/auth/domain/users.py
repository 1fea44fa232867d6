"""Accounts: what a valid handle, password and display name are, and the user as other services see it.

Handles are 3-30 characters of [a-z0-9_]; ASCII upper case is folded to lower case, anything else (spaces,
punctuation, any non-ASCII letter or digit, even ones whose lower case looks ASCII like the Kelvin sign) is
rejected. Passwords are NFKC-normalized (NIST SP 800-63B), so the same password typed on two keyboards matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from services.common.errors import InvalidArgument

K = TypeVar("K")

HANDLE_MIN = 3
HANDLE_MAX = 30
PASSWORD_MIN = 8
PASSWORD_MAX = 128
DISPLAY_NAME_MAX = 64
BATCH_MAX = 1000

# Explicit ASCII classes: `\w` and `\d` would also match non-ASCII letters and digits.
_HANDLE = re.compile(rf"[A-Za-z0-9_]{{{HANDLE_MIN},{HANDLE_MAX}}}")
_HANDLE_PREFIX = re.compile(rf"[A-Za-z0-9_]{{1,{HANDLE_MAX}}}")
# A page of a search (at most 100) and one more, to tell whether there is a next page.
PREFIX_LIMIT_MAX = 101
HANDLE_RULE = f"handle must be {HANDLE_MIN}-{HANDLE_MAX} characters of a-z, 0-9 and _"


@dataclass(frozen=True)
class User:
    """An account as other users see it (never with its password hash)."""

    id: int
    handle: str
    display_name: str
    private: bool
    created_at: datetime


@dataclass(frozen=True)
class Registration:
    """A validated CreateUser request: the handle folded to lower case, the password normalized."""

    handle: str
    password: str
    display_name: str
    private: bool


@dataclass(frozen=True)
class Credentials:
    """What a login checks: the account's id and its stored password hash."""

    user_id: int
    password_hash: str


def canonical_handle(raw: str) -> str | None:
    """The stored form of a handle (lower case), or None when `raw` is not a valid handle."""
    if not _HANDLE.fullmatch(raw):
        return None
    return raw.lower()


def validate_handle(raw: str) -> str:
    """The stored form of a wanted handle, or INVALID_ARGUMENT saying the rule."""
    handle = canonical_handle(raw)
    if handle is None:
        raise InvalidArgument(f"{HANDLE_RULE}, got {quoted(raw)}", reason="BAD_HANDLE")
    return handle


def quoted(raw: str, most: int = 40) -> str:
    """`raw` as an error message shows it: quoted, and cut after `most` characters (a message travels in gRPC
    metadata, which a peer refuses past 16 KiB)."""
    return repr(raw) if len(raw) <= most else f"{raw[:most]!r}... ({len(raw)} characters)"


def lookup_handle(raw: str) -> str | None:
    """A handle as written in a mention or a lookup (`@Alice` or `alice`), canonical; None if it cannot exist."""
    return canonical_handle(raw[1:] if raw.startswith("@") else raw)


def handle_prefix(raw: str) -> str:
    """The stored form of the start of a handle, as typed in a search (`@Al` or `al`), or INVALID_ARGUMENT."""
    prefix = raw[1:] if raw.startswith("@") else raw
    if not _HANDLE_PREFIX.fullmatch(prefix):
        raise InvalidArgument(
            f"query must be 1-{HANDLE_MAX} characters of a-z, 0-9 and _ (the start of a handle), got {quoted(raw)}",
            reason="BAD_QUERY",
        )
    return prefix.lower()


def prefix_upper_bound(prefix: str) -> str:
    """The first string after every string that starts with `prefix` (its last character plus one)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def check_after_handle(raw: str) -> str:
    """A page's start: empty, or a stored handle (the last of the previous page)."""
    if raw and canonical_handle(raw) != raw:
        raise InvalidArgument("after_handle must be a stored (lower-case) handle", reason="BAD_CURSOR")
    return raw


def check_prefix_limit(limit: int) -> int:
    if not 1 <= limit <= PREFIX_LIMIT_MAX:
        raise InvalidArgument(f"limit must be 1-{PREFIX_LIMIT_MAX}, got {limit}", reason="BAD_LIMIT")
    return limit


def normalize_password(raw: str) -> str:
    """The form a password is hashed and verified in."""
    return unicodedata.normalize("NFKC", raw)


def validate_password(raw: str) -> str:
    """The normalized new password, or INVALID_ARGUMENT saying the rule (never echoing the password)."""
    password = normalize_password(raw)
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidArgument(
            f"password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters, got {len(password)}", reason="BAD_PASSWORD"
        )
    return password


def validate_display_name(raw: str) -> str:
    """The display name without surrounding white space: at most 64 characters, no control characters."""
    name = raw.strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidArgument(
            f"display name must be at most {DISPLAY_NAME_MAX} characters, got {len(name)}", reason="BAD_DISPLAY_NAME"
        )
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidArgument("display name must not contain control characters", reason="BAD_DISPLAY_NAME")
    return name


def validate_registration(handle: str, password: str, display_name: str, private: bool) -> Registration:
    return Registration(
        handle=validate_handle(handle),
        password=validate_password(password),
        display_name=validate_display_name(display_name),
        private=private,
    )


def check_batch_size(count: int, what: str) -> None:
    """Batch lookups take at most BATCH_MAX items."""
    if count > BATCH_MAX:
        raise InvalidArgument(f"at most {BATCH_MAX} {what} per request, got {count}", reason="BATCH_TOO_LARGE")


def in_request_order(keys: Sequence[K], found: Mapping[K, User]) -> list[User]:
    """The users found, one per requested key in request order (a repeated key repeats its user), unknown skipped."""
    return [found[key] for key in keys if key in found]
