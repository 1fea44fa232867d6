from __future__ import annotations

import pytest

from services.common.ids import EPOCH_MS, IdGenerator, id_time_ms, min_id_at


def test_ids_increase_and_encode_time_and_worker() -> None:
    now = [EPOCH_MS + 1000]
    gen = IdGenerator(worker_id=5, clock_ms=lambda: now[0])
    first = gen.next_id()
    second = gen.next_id()
    now[0] += 1
    third = gen.next_id()
    assert first < second < third
    assert id_time_ms(first) == EPOCH_MS + 1000
    assert (first >> 12) & 0x3FF == 5
    assert min_id_at(EPOCH_MS + 1001) <= third


def test_distinct_workers_never_collide_in_the_same_millisecond() -> None:
    clock = lambda: EPOCH_MS + 42  # noqa: E731
    a = {IdGenerator(1, clock).next_id() for _ in range(1)}
    b = {IdGenerator(2, clock).next_id() for _ in range(1)}
    assert not a & b


def test_sequence_overflow_moves_to_next_millisecond() -> None:
    ticks = iter([EPOCH_MS + 10] * 4097 + [EPOCH_MS + 11] * 10)
    gen = IdGenerator(0, lambda: next(ticks))
    ids = [gen.next_id() for _ in range(4097)]
    assert len(set(ids)) == 4097
    assert id_time_ms(ids[-1]) == EPOCH_MS + 11


def test_clock_stepping_back_does_not_duplicate() -> None:
    times = iter([EPOCH_MS + 50, EPOCH_MS + 49, EPOCH_MS + 50, EPOCH_MS + 50])
    gen = IdGenerator(0, lambda: next(times))
    assert gen.next_id() < gen.next_id()


def test_worker_id_range_is_checked() -> None:
    with pytest.raises(ValueError):
        IdGenerator(1024)
