"""Cassandra rows get one row type per set of columns: reads leave no class behind for the garbage collector."""

from __future__ import annotations

import gc

from services.common.cassandra import RowTypes


def test_results_with_the_same_columns_share_one_row_type() -> None:
    rows = RowTypes()
    first = rows(["bucket"], [(1,), (2,)])
    second = rows(["bucket"], [(3,)])
    assert [r.bucket for r in first + second] == [1, 2, 3]
    assert type(first[0]) is type(second[0])
    assert rows(["post_id", "author_id"], [(7, 8)])[0] == (7, 8)
    assert len(rows) == 2


def test_many_reads_leave_no_garbage_to_collect() -> None:
    rows = RowTypes()
    rows(["post_id"], [(0,)])
    gc.collect()
    gc.disable()
    try:
        for i in range(1000):
            assert rows(["post_id"], [(i,)])[0].post_id == i
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_row_types_stay_bounded_and_odd_names_still_read() -> None:
    rows = RowTypes(max_types=4)
    for i in range(100):
        assert rows([f"c{i}"], [(i,)])[0][0] == i
    assert len(rows) == 4
    assert rows(["count(*)"], [(5,)])[0].count == 5  # renamed as the driver names it
