"""Uploads: which media are accepted, and media refs. A media ref is the object's key in the bucket: `m_` and 32
random hex characters (128 bits), so refs cannot be guessed or enumerated."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from services.common.errors import InvalidArgument

CONTENT_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_CHECK_REFS = 100

_REF = re.compile(r"^m_[0-9a-f]{32}$")


def new_media_ref() -> str:
    return "m_" + secrets.token_hex(16)


def is_media_ref(ref: str) -> bool:
    return bool(_REF.fullmatch(ref))


@dataclass(frozen=True)
class UploadRequest:
    content_type: str
    size_bytes: int


def check_upload(content_type: str, size_bytes: int, max_bytes: int) -> UploadRequest:
    """The upload as accepted (content type lower-cased), or InvalidArgument saying why not."""
    kind = content_type.strip().lower()
    if kind not in CONTENT_TYPES:
        raise InvalidArgument(
            f"content type {content_type!r} is not supported; use one of {', '.join(CONTENT_TYPES)}",
            reason="UNSUPPORTED_CONTENT_TYPE",
        )
    if size_bytes <= 0:
        raise InvalidArgument(f"size_bytes must be at least 1, got {size_bytes}", reason="BAD_SIZE")
    if size_bytes > max_bytes:
        raise InvalidArgument(
            f"size_bytes {size_bytes} is over the limit of {max_bytes} bytes", reason="MEDIA_TOO_LARGE"
        )
    return UploadRequest(kind, size_bytes)
