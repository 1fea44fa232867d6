"""Bounded in-process caches of what peers answered, so a common read or write makes no peer call (the timeline's
feed reads, the engagement service's visibility checks).

Each entry is served only while the caller's check says it is still current (a version the owner publishes, or
an age for data whose owner promises nothing sooner); the least recently used entries go first. An entry weighs
1 unless its `put` says otherwise (a follower list weighs its length), and `size` bounds the total weight. With a
maximum age, each `put` also drops up to two expired entries from the least recently used end, so a cache of
short-lived entries holds about what was used within that age rather than filling to `size` with entries no read
may serve.

A cache given a `name` reports its entries, weight and size to Prometheus (services.common.local_cache_gauges), read
at scrape time only.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from services.common.local_cache_gauges import NAMED_CACHES

# Expired entries a put drops from the least recently used end: more than one, so they leave faster than puts come.
_EXPIRED_PER_PUT = 2

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    def __init__(
        self, size: int, max_age_seconds: float, clock: Callable[[], float] = time.monotonic, *, name: str = ""
    ):
        """`name`: the `cache` label of its gauges, short and stable (`timeline.posts`); unnamed, it has none."""
        if size <= 0:
            raise ValueError("cache size must be positive")
        self.name = name
        self.size = size
        self.max_age = max_age_seconds
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, str, V]] = OrderedDict()
        self._weights: dict[K, int] = {}  # only the entries that weigh more than 1
        self.weight = 0
        if name:
            NAMED_CACHES.add(name, self)

    def get(self, key: K, version: str = "") -> V | None:
        """The value stored for `key` with this version, unless it is older than the maximum age."""
        found = self._entries.get(key)
        if found is None:
            return None
        stored_at, stored_version, value = found
        if stored_version != version or self.clock() - stored_at > self.max_age:
            self._drop(key)
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
                    self._drop(key)
                missing.append(key)
                continue
            entries.move_to_end(key)
            found[key] = entry[2]
        return found, missing

    def put(self, key: K, value: V, version: str = "", weight: int = 1, stored_at: float | None = None) -> None:
        """`stored_at`: the entry's age counts from then (this cache's clock) instead of now, e.g. from just before
        the peer was asked, so that the age bounds how old the answer is."""
        if key in self._entries:
            self._drop(key)
        if weight > self.size:  # would evict everything else and still not fit
            return
        self._entries[key] = (self.clock() if stored_at is None else stored_at, version, value)
        if weight != 1:
            self._weights[key] = weight
        self.weight += weight
        while self.weight > self.size:
            self._drop(next(iter(self._entries)))
        if self.max_age != float("inf"):
            self._drop_expired(_EXPIRED_PER_PUT)

    def _drop_expired(self, at_most: int) -> None:
        oldest = self.clock() - self.max_age
        for _ in range(at_most):
            first = next(iter(self._entries), None)
            if first is None or self._entries[first][0] >= oldest:
                return
            self._drop(first)

    def clear(self) -> None:
        self._entries.clear()
        self._weights.clear()
        self.weight = 0

    def _drop(self, key: K) -> None:
        del self._entries[key]
        self.weight -= self._weights.pop(key, 1)

    def __len__(self) -> int:
        return len(self._entries)
