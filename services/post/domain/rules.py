"""The rules of a new post besides its text: media refs (the idempotency key's is services.common.idempotency)."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.errors import InvalidArgument

MAX_MEDIA_REFS = 10
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
