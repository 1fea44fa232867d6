from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.common.pagination import encode_cursor
from services.post.domain import paging


def test_first_page_has_no_bound() -> None:
    assert paging.decode_before("") is None


def test_cursor_round_trips_the_last_id() -> None:
    last = 110165911142400123
    assert paging.decode_before(paging.encode_before(last)) == last


def test_next_cursor_only_when_more_follow() -> None:
    assert paging.next_cursor([9, 7, 5], more=False) == ""
    assert paging.next_cursor([], more=True) == ""
    assert paging.decode_before(paging.next_cursor([9, 7, 5], more=True)) == 5


@pytest.mark.parametrize(
    "bad",
    ["%%%", "bm90IGpzb24", encode_cursor({"before": "x"}), encode_cursor({"before": 0}), encode_cursor({"before": -4})],
)
def test_malformed_cursor_is_invalid_argument(bad: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        paging.decode_before(bad)
    assert info.value.reason == "BAD_CURSOR"


def test_walking_pages_below_each_cursor_sees_every_id_once_while_new_ids_arrive() -> None:
    ids = list(range(100, 0, -1))  # newest first
    seen: list[int] = []
    cursor = ""
    while True:
        before = paging.decode_before(cursor)
        ids = [1000 + len(seen), *ids]  # a newer post arrives before every page
        below = [i for i in ids if before is None or i < before]
        page = below[:7]
        seen += page
        cursor = paging.next_cursor(page, more=len(below) > 7)
        if not cursor:
            break
    assert seen[0] == 1000 and seen[1:] == list(range(100, 0, -1))
