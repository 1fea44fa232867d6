"""How full each named in-process cache is (services.common.local_cache), for Prometheus: so that a process whose
memory climbs can be told apart as caches filling towards their caps, or not.

`feedmesh_local_cache_entries{cache}`, `feedmesh_local_cache_weight{cache}` and `feedmesh_local_cache_capacity{cache}`
(the entries, their total weight and the `size` that bounds the weight) are read from the caches when Prometheus
scrapes, never counted on a get or a put: the hot path pays nothing. A cache is named once, when it is made; the
process keeps only a weak reference to it, so a cache dropped (ranking's features after a new run) leaves the
metrics with its last reference. Two live caches of one name in a process are summed, so a label stays the same
series whatever order the caches were made in; their fill (weight / capacity) is then that of the two together.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class MeasuredCache(Protocol):
    """What the gauges read of a cache (LruCache has it)."""

    @property
    def size(self) -> int: ...

    @property
    def weight(self) -> int: ...

    def __len__(self) -> int: ...


class NamedCaches:
    """The named caches of a process, held weakly. Registration happens on the event loop and reading in
    prometheus_client's server thread, so both take a lock; no weakref callbacks, which the collector could run
    into in the middle of a copy: dead references are skipped and pruned instead."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._caches: list[tuple[str, weakref.ref[MeasuredCache]]] = []

    def add(self, name: str, cache: MeasuredCache) -> None:
        with self._lock:
            self._caches = [(n, ref) for n, ref in self._caches if ref() is not None]
            self._caches.append((name, weakref.ref(cache)))

    def totals(self) -> dict[str, tuple[int, int, int]]:
        """Per name: (entries, weight, capacity) of the live caches of that name, summed."""
        with self._lock:
            caches = list(self._caches)
        totals: dict[str, tuple[int, int, int]] = {}
        for name, ref in caches:
            cache = ref()
            if cache is None:
                continue
            entries, weight, capacity = totals.get(name, (0, 0, 0))
            totals[name] = (entries + len(cache), weight + cache.weight, capacity + cache.size)
        return totals


class LocalCacheCollector(Collector):
    """The three gauges of every named cache, as the scrape finds them."""

    def __init__(self, caches: NamedCaches):
        self.caches = caches

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Names only: without describe() the registry would collect once to learn them.
        return iter(_families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        entries, weight, capacity = _families()
        for name, (n, w, c) in sorted(self.caches.totals().items()):
            entries.add_metric([name], n)
            weight.add_metric([name], w)
            capacity.add_metric([name], c)
        return iter((entries, weight, capacity))


def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
    return (
        GaugeMetricFamily("feedmesh_local_cache_entries", "Entries held by an in-process cache", labels=["cache"]),
        GaugeMetricFamily(
            "feedmesh_local_cache_weight",
            "Total weight of an in-process cache's entries (an entry weighs 1 unless its put says otherwise)",
            labels=["cache"],
        ),
        GaugeMetricFamily(
            "feedmesh_local_cache_capacity",
            "The weight an in-process cache holds at most (its size); weight / capacity is how full it is",
            labels=["cache"],
        ),
    )


# One registry per process, on prometheus_client's default registry like every other metric of the services: the
# metrics port serves it, and importing this module once (local_cache does) registers it once.
NAMED_CACHES = NamedCaches()
REGISTRY.register(LocalCacheCollector(NAMED_CACHES))
