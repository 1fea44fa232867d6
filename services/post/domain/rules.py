"""The rules of a new post besides its text: media refs and the idempotency key."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.errors import InvalidArgument

MAX_MEDIA_REFS = 10
MAX_IDEMPOTENCY_KEY_CHARS = 128
MAX_BATCH_POSTS = 1000


def check_media_refs(refs: Sequence[str]) -> tuple[str, ...]:
    """At most 10 refs, none empty or repeated. Whether they name uploaded objects is asked of the media service."""
    if len(refs) > MAX_MEDIA_REFS:
        raise InvalidArgument(
            f"a post has at most {MAX_MEDIA_REFS} media refs, got {len(refs)}", reason="TOO_MANY_MEDIA_REFS"
        )
    seen: set[str] = set()
    for ref in refs:
        if not ref:
            raise InvalidArgument("media ref is empty", reason="BAD_MEDIA_REF")
        if ref in seen:
            raise InvalidArgument(f"media ref {ref!r} is listed twice", reason="BAD_MEDIA_REF")
        seen.add(ref)
    return tuple(refs)


def check_idempotency_key(key: str | None) -> str | None:
    """The key as given, None when absent; refused when too long or not printable ASCII."""
    if key is None or key == "":
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY_CHARS or not key.isascii() or not key.isprintable():
        raise InvalidArgument(
            f"idempotency-key must be 1-{MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters",
            reason="BAD_IDEMPOTENCY_KEY",
        )
    return key
