from __future__ import annotations

import gc
import weakref
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
