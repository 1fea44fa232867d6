"""The Idempotency-Key header's rule, the same for every write that accepts it (posts, likes, comments, shares)."""

from __future__ import annotations

from services.common.errors import InvalidArgument

MAX_IDEMPOTENCY_KEY_CHARS = 128


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
