"""What the media use cases need: an object store that presigns uploads, answers whether an object exists and
deletes objects; and the record of uploads (handed out, attached to a post, swept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol


def utc_now() -> dt.datetime:
    """The use cases' clock (they take it as a field, so that tests can set the time)."""
    return dt.datetime.now(dt.UTC)


class ObjectStore(Protocol):
    async def presign_put(self, key: str, content_type: str, size_bytes: int, ttl_seconds: int) -> str:
        """A URL that accepts one PUT of exactly these bytes under `key` until the TTL runs out."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`; raises when the store cannot answer."""
        ...

    async def delete(self, keys: list[str]) -> None:
        """Deletes these objects (one missing already counts as deleted); raises when the store cannot."""
        ...


class Uploads(Protocol):
    async def record(self, ref: str) -> None:
        """A ref just handed out, pending."""
        ...

    async def attach(self, refs: Sequence[str]) -> set[str]:
        """Marks these uploads attached, never to be swept; the refs attached (not those swept or being swept)."""
        ...

    async def choose_to_sweep(self, created_before: dt.datetime, limit: int) -> list[str]:
        """Up to `limit` uploads pending since before `created_before` (and any a sweep left half done), marked as
        being swept: an attach refuses them from now on."""
        ...

    async def mark_swept(self, refs: Sequence[str], at: dt.datetime) -> None:
        """These uploads' objects were deleted at `at`."""
        ...

    async def prune_swept(self, swept_before: dt.datetime) -> int:
        """Forgets uploads swept before then; how many."""
        ...
