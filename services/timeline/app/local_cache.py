"""Bounded in-process caches of what peers answered, so a feed read makes no peer call in the common case.

Each entry is served only while the caller's check says it is still current (a version the owner publishes, or
an age for data whose owner promises nothing sooner); the least recently used entries go first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    def __init__(self, size: int, max_age_seconds: float, clock: Callable[[], float] = time.monotonic):
        if size <= 0:
            raise ValueError("cache size must be positive")
        self.size = size
        self.max_age = max_age_seconds
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, str, V]] = OrderedDict()

    def get(self, key: K, version: str = "") -> V | None:
        """The value stored for `key` with this version, unless it is older than the maximum age."""
        found = self._entries.get(key)
        if found is None:
            return None
        stored_at, stored_version, value = found
        if stored_version != version or self.clock() - stored_at > self.max_age:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def get_many(self, keys: Iterable[K]) -> tuple[dict[K, V], list[K]]:
        """The values found for `keys` (unversioned entries), and the keys missing, in order."""
        found: dict[K, V] = {}
        missing: list[K] = []
        entries = self._entries
        oldest = self.clock() - self.max_age  # one clock read for the batch: a page asks for dozens of keys
        for key in keys:
            entry = entries.get(key)
            if entry is None or entry[1] != "" or entry[0] < oldest:
                if entry is not None:
                    del entries[key]
                missing.append(key)
                continue
            entries.move_to_end(key)
            found[key] = entry[2]
        return found, missing

    def put(self, key: K, value: V, version: str = "") -> None:
        self._entries[key] = (self.clock(), version, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
