"""What the lake's use cases need from the outside: the object store and Kafka's offsets."""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa


class LakeStore(Protocol):
    """The lake bucket; keys are relative to it."""

    async def put_table(self, key: str, table: pa.Table) -> None: ...

    async def read_table(self, key: str) -> pa.Table: ...

    async def list_keys(self, prefix: str) -> list[str]:
        """Every object key under `prefix`, sorted."""

    async def delete(self, keys: list[str]) -> None: ...

    async def get_text(self, key: str) -> str | None:
        """The object's text, or None when there is none."""

    async def put_text(self, key: str, text: str) -> None: ...


class Offsets(Protocol):
    """Kafka offsets of the lake's topics, by "<topic>/<partition>"."""

    async def end_offsets(self) -> dict[str, int]:
        """The offset after each partition's last record, now."""

    async def committed(self) -> dict[str, int]:
        """The lake group's committed offset of each partition (absent: none yet)."""


class ArchiveMetrics(Protocol):
    def written(self, event_type: str, events: int, files: int) -> None: ...

    def flushed(self, seconds: float) -> None: ...

    def buffered(self, events: int) -> None:
        """How many events wait in memory now."""
