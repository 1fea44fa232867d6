from __future__ import annotations

import datetime as dt
import itertools

import pytest

from services.common.ids import EPOCH_MS, IdGenerator, min_id_at
from services.post.domain.partitions import add_months, month_partition, partitions_ahead


def test_name_and_bounds_of_a_month() -> None:
    p = month_partition(dt.date(2026, 11, 23))
    assert p.name == "posts_2026_11" and p.month == dt.date(2026, 11, 1)
    assert p.lower_id == min_id_at(int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp() * 1000))
    assert p.upper_id == min_id_at(int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp() * 1000))


def test_consecutive_months_tile_the_id_space() -> None:
    months = partitions_ahead(dt.date(2026, 11, 5), 3)
    assert [m.name for m in months] == ["posts_2026_11", "posts_2026_12", "posts_2027_01", "posts_2027_02"]
    for earlier, later in itertools.pairwise(months):
        assert earlier.upper_id == later.lower_id
        assert earlier.lower_id < earlier.upper_id


def test_an_id_issued_in_a_month_falls_in_its_partition() -> None:
    for moment in [
        dt.datetime(2026, 11, 30, 23, 59, 59, 999000, tzinfo=dt.UTC),
        dt.datetime(2027, 2, 1, tzinfo=dt.UTC),
    ]:
        ms = int(moment.timestamp() * 1000)
        post_id = IdGenerator(1023, clock_ms=lambda: ms).next_id()  # noqa: B023
        p = month_partition(moment.date())
        assert p.lower_id <= post_id < p.upper_id


def test_months_before_the_id_epoch_are_empty_at_zero() -> None:
    assert int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp() * 1000) == EPOCH_MS
    p = month_partition(dt.date(2025, 12, 1))
    assert p.lower_id == p.upper_id == 0
    assert month_partition(dt.date(2026, 1, 1)).lower_id == 0


def test_add_months_crosses_years() -> None:
    assert add_months(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert add_months(dt.date(2026, 5, 1), 20) == dt.date(2028, 1, 1)


def test_negative_months_ahead_is_refused() -> None:
    with pytest.raises(ValueError):
        partitions_ahead(dt.date(2026, 1, 1), -1)
