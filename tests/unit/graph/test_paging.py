"""Cursors of the graph's lists, and the page arithmetic on top of them."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.common.pagination import encode_cursor
from services.graph.domain import paging


def test_first_page_has_no_position() -> None:
    assert paging.decode_before("") is None
    assert paging.decode_after("") is None


def test_round_trips() -> None:
    assert paging.decode_before(paging.next_before([9, 7, 5], more=True)) == 5
    assert paging.decode_after(paging.next_after([1, 4, 8], more=True)) == 8


def test_last_page_has_no_cursor() -> None:
    assert paging.next_before([9, 7], more=False) == ""
    assert paging.next_after([], more=True) == ""


@pytest.mark.parametrize(
    "cursor",
    ["%%%", "bm90IGpzb24", encode_cursor({"before": "5"}), encode_cursor({"before": 0}), encode_cursor({"before": -3})],
)
def test_bad_cursors_are_invalid_argument(cursor: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        paging.decode_before(cursor)
    assert caught.value.reason == "BAD_CURSOR"


def test_a_cursor_of_the_other_direction_reads_as_the_first_page() -> None:
    assert paging.decode_after(paging.next_before([5], more=True)) is None


def page(rows: list[int], cursor: str, size: int) -> tuple[list[int], str]:
    """What the list use cases do over a newest-first seq list: the rows below the cursor, size + 1 to see more."""
    before = paging.decode_before(cursor)
    fetched = [r for r in sorted(rows, reverse=True) if before is None or r < before][: size + 1]
    more, fetched = len(fetched) > size, fetched[:size]
    return fetched, paging.next_before(fetched, more)


def test_rows_added_between_pages_cause_no_duplicates_and_no_gaps() -> None:
    rows = [1, 2, 3, 4, 5]
    first, cursor = page(rows, "", 2)
    assert first == [5, 4]
    rows.append(6)  # a new follower: a larger seq, above the cursor
    second, cursor = page(rows, cursor, 2)
    third, cursor = page(rows, cursor, 2)
    assert second == [3, 2]
    assert third == [1]
    assert cursor == ""
