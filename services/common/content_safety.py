"""Content safety: the rules user text (a post, a comment) must pass before it is stored.

Every refusal is an InvalidArgument whose message says why, so the client can show it as is. The rules, in the
order they are checked: not empty and at most `max_chars` characters after trimming (500 for posts, 1000 for
comments); no control characters other than newline and tab (CRLF line ends are normalised to LF first, since
browsers submit textareas that way); no word of the configured denylist (case-insensitive, whole words); and no
link spam (more than `max_links` links, or one link repeated).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.common.errors import InvalidArgument

POST_MAX_CHARS = 500
DEFAULT_MAX_LINKS = 3
_ALLOWED_CONTROLS = {"\n", "\t"}
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_LINK_TRAILING = ".,;:!?)]}'\""


def normalise_link(link: str) -> str:
    """The form under which two spellings of one link compare equal (case, scheme, trailing punctuation or slash)."""
    link = link.rstrip(_LINK_TRAILING).lower()
    link = re.sub(r"^https?://", "", link)
    link = re.sub(r"^www\.", "", link)
    return link.rstrip("/")


def find_links(text: str) -> list[str]:
    return [normalise_link(m.group(0)) for m in _LINK.finditer(text)]


@dataclass(frozen=True)
class ContentPolicy:
    """The content-safety rules with their settings (FEEDMESH_CONTENT_DENYLIST, FEEDMESH_CONTENT_MAX_LINKS)."""

    denylist: tuple[str, ...] = ()
    max_links: int = DEFAULT_MAX_LINKS
    max_chars: int = POST_MAX_CHARS
    _blocked: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        words = sorted({w.strip().casefold() for w in self.denylist if w.strip()}, key=len, reverse=True)
        if words:
            alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
            object.__setattr__(self, "_blocked", pattern)

    @classmethod
    def from_words(
        cls, words: Iterable[str], max_links: int = DEFAULT_MAX_LINKS, max_chars: int = POST_MAX_CHARS
    ) -> ContentPolicy:
        return cls(denylist=tuple(words), max_links=max_links, max_chars=max_chars)

    def check(self, text: str) -> str:
        """The text as it will be stored (trimmed, LF line ends), or InvalidArgument saying why it is refused."""
        cleaned = text.replace("\r\n", "\n").strip()
        if not cleaned:
            raise InvalidArgument("text is empty", reason="TEXT_EMPTY")
        if len(cleaned) > self.max_chars:
            raise InvalidArgument(
                f"text is longer than {self.max_chars} characters ({len(cleaned)})", reason="TEXT_TOO_LONG"
            )
        for ch in cleaned:
            if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS:
                raise InvalidArgument(
                    f"text contains a control character (U+{ord(ch):04X}); only newline and tab are allowed",
                    reason="TEXT_CONTROL_CHARACTER",
                )
        if self._blocked is not None and self._blocked.search(cleaned.casefold()):
            raise InvalidArgument("text contains a blocked word", reason="TEXT_BLOCKED_WORD")
        links = find_links(cleaned)
        if len(links) > self.max_links:
            raise InvalidArgument(
                f"text contains more than {self.max_links} links ({len(links)})", reason="TEXT_LINK_SPAM"
            )
        if len(set(links)) < len(links):
            raise InvalidArgument("text repeats the same link", reason="TEXT_LINK_SPAM")
        return cleaned
