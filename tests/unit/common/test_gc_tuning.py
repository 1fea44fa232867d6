from __future__ import annotations

import gc
import weakref
from collections import deque
from collections.abc import Iterator

import pytest

from services.common.gc_tuning import YOUNG_THRESHOLD, settle_after_start


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_heap_is_frozen_and_young_collections_are_rarer() -> None:
    built_at_start = [object() for _ in range(10)]  # noqa: F841 - alive across the call, like a service's clients
    settle_after_start()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD


@pytest.mark.usefixtures("restored_gc")
def test_cycles_made_after_start_are_still_collected_without_being_asked() -> None:
    settle_after_start()

    class Node:
        other: object

    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    kept: list[list[int]] = [[] for _ in range(2 * YOUNG_THRESHOLD)]  # allocations that trigger a young collection
    assert gone() is None
    assert len(kept) == 2 * YOUNG_THRESHOLD


@pytest.mark.usefixtures("restored_gc")
def test_cycles_that_reach_the_oldest_generation_do_not_wait_for_a_quarter_of_the_start_up_heap() -> None:
    # A start-up heap far larger than what the load below promotes (gc.freeze leaves the count of the last full
    # collection as it was: these 400,000 objects would hold the first automatic one back until 100,000 promotions).
    start_up = [[i] for i in range(400_000)]
    settle_after_start(young_threshold=700)
    in_flight: deque[dict[str, object]] = deque(maxlen=200)  # cycles alive across a few young collections
    full_collections = gc.get_stats()[2]["collections"]
    for _ in range(300_000):
        cycle: dict[str, object] = {}
        cycle["me"] = cycle
        in_flight.append(cycle)
    assert gc.get_stats()[2]["collections"] > full_collections
    assert len(gc.get_objects(2)) < 20_000  # what the oldest generation holds: about the cycles in flight
    assert len(start_up) == 400_000
