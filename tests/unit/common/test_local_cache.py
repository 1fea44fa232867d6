"""The bounded in-process cache: a maximum age also bounds what it holds, not only what it serves."""

from __future__ import annotations

from services.common.local_cache import LruCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_entries_past_their_age_leave_as_new_ones_come() -> None:
    clock = Clock()
    cache: LruCache[int, str] = LruCache(200_000, 60.0, clock)
    for i in range(100_000):  # 10 puts a second for 10,000 s, each key read once and never again
        clock.now = i / 10
        cache.put(i, "features")
    assert len(cache) <= 60 * 10 + 2  # the last minute's entries, not 100,000 of them
    assert cache.get(99_999) == "features"
    assert cache.get(0) is None


def test_entries_within_their_age_and_ageless_caches_are_kept() -> None:
    clock = Clock()
    aged: LruCache[int, int] = LruCache(1000, 60.0, clock)
    ageless: LruCache[int, int] = LruCache(1000, float("inf"), clock)
    for i in range(500):
        clock.now = i / 10  # 50 s in all
        aged.put(i, i)
        ageless.put(i, i)
    assert len(aged) == len(ageless) == 500
    assert aged.weight == 500


def test_a_weighted_entry_gives_back_its_weight_when_it_expires() -> None:
    clock = Clock()
    cache: LruCache[int, str] = LruCache(1000, 10.0, clock)
    cache.put(1, "followers", weight=400)
    clock.now = 11
    cache.put(2, "x")
    assert len(cache) == 1
    assert cache.weight == 1
