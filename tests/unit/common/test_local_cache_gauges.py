"""The in-process caches' gauges (services.common.local_cache_gauges): what a scrape of the metrics port shows of a
named cache, and that a cache dropped leaves it."""

from __future__ import annotations

import gc

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from services.common.local_cache import LruCache
from services.common.local_cache_gauges import LocalCacheCollector, NamedCaches


def _value(registry: CollectorRegistry, metric: str, cache: str) -> float | None:
    return registry.get_sample_value(metric, {"cache": cache})


def test_a_named_cache_is_on_the_default_registry_the_metrics_port_serves() -> None:
    cache: LruCache[int, str] = LruCache(50, float("inf"), name="test.default_registry")
    for i in range(7):
        cache.put(i, "post")
    cache.put(100, "followees", weight=5)
    text = generate_latest(REGISTRY).decode()
    assert 'feedmesh_local_cache_entries{cache="test.default_registry"} 8.0' in text
    assert 'feedmesh_local_cache_weight{cache="test.default_registry"} 12.0' in text
    assert 'feedmesh_local_cache_capacity{cache="test.default_registry"} 50.0' in text


def test_the_gauges_follow_the_cache_and_a_dropped_cache_leaves_them() -> None:
    named = NamedCaches()
    registry = CollectorRegistry()
    registry.register(LocalCacheCollector(named))
    cache: LruCache[int, int] = LruCache(3, float("inf"))
    named.add("timeline.posts", cache)
    assert _value(registry, "feedmesh_local_cache_entries", "timeline.posts") == 0
    for i in range(5):  # past its size: the oldest two are evicted
        cache.put(i, i)
    assert _value(registry, "feedmesh_local_cache_entries", "timeline.posts") == 3
    assert _value(registry, "feedmesh_local_cache_capacity", "timeline.posts") == 3
    del cache
    gc.collect()
    assert _value(registry, "feedmesh_local_cache_entries", "timeline.posts") is None
    assert b"timeline.posts" not in generate_latest(registry)


def test_caches_of_one_name_are_summed() -> None:
    named = NamedCaches()
    registry = CollectorRegistry()
    registry.register(LocalCacheCollector(named))
    first: LruCache[int, int] = LruCache(10, float("inf"))
    second: LruCache[int, int] = LruCache(30, float("inf"))
    other: LruCache[int, int] = LruCache(5, float("inf"))
    for cache, name in ((first, "ranking.features"), (second, "ranking.features"), (other, "engagement.visibility")):
        named.add(name, cache)
    first.put(1, 1)
    second.put(1, 1, weight=4)
    second.put(2, 2)
    assert _value(registry, "feedmesh_local_cache_entries", "ranking.features") == 3
    assert _value(registry, "feedmesh_local_cache_weight", "ranking.features") == 6
    assert _value(registry, "feedmesh_local_cache_capacity", "ranking.features") == 40
    assert _value(registry, "feedmesh_local_cache_capacity", "engagement.visibility") == 5


def test_an_unnamed_cache_is_not_measured() -> None:
    gc.collect()  # other tests' dropped caches leave now, not between the two scrapes
    before = generate_latest(REGISTRY).count(b"feedmesh_local_cache_entries{")
    kept: LruCache[int, int] = LruCache(10, float("inf"))
    kept.put(1, 1)
    assert generate_latest(REGISTRY).count(b"feedmesh_local_cache_entries{") == before
