"""What the media use cases need: an object store that presigns uploads and answers whether an object exists."""

from __future__ import annotations

from typing import Protocol


class ObjectStore(Protocol):
    async def presign_put(self, key: str, content_type: str, size_bytes: int, ttl_seconds: int) -> str:
        """A URL that accepts one PUT of exactly these bytes under `key` until the TTL runs out."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`; raises when the store cannot answer."""
        ...
