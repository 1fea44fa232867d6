"""The people use cases on in-memory fakes of their ports: handle search drops accounts blocked either way after
paging (so a short page can still have a next), pages by the last handle found, and refuses forged cursors;
GetRelationship refuses yourself and unknown users."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from services.common.errors import InvalidArgument, NotFound
from services.common.pagination import encode_cursor
from services.graph.app.people import People
from services.graph.app.ports import CountsLoader, GraphCache, GraphReader
from services.graph.domain.model import Counts, Profile, Relationship, Standing

ME = 1
HANDLES = {10: "ana", 11: "anb", 12: "anc", 13: "and", 14: "ane"}
BLOCKED = {11, 13}


def profile(user_id: int) -> Profile:
    return Profile(user_id, HANDLES[user_id], "", False, datetime(2026, 1, 1, tzinfo=UTC))


class Fakes:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, int]] = []

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, Profile]:
        return {u: profile(u) for u in user_ids if u in HANDLES}

    async def by_handle_prefix(self, prefix: str, after_handle: str, limit: int) -> list[Profile]:
        self.asked.append((prefix, after_handle, limit))
        found = sorted(
            (u for u, h in HANDLES.items() if h.startswith(prefix) and h > after_handle), key=HANDLES.__getitem__
        )
        return [profile(u) for u in found[:limit]]

    async def relationships(self, viewer_id: int, author_ids: Sequence[int]) -> dict[int, Relationship]:
        return {u: Relationship(blocked=True) for u in author_ids if u in BLOCKED}

    async def counts(self, user_ids: Sequence[int], load: CountsLoader | None = None) -> dict[int, Counts]:
        return {u: Counts(followers=u) for u in user_ids}

    async def standing(self, caller_id: int, user_id: int) -> Standing:
        return Standing(following=True)


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def people(fakes: Fakes) -> People:
    return People(cast(GraphReader, fakes), cast(GraphCache, fakes), fakes, fakes)


async def test_a_page_without_the_blocked_still_says_there_is_more(people: People, fakes: Fakes) -> None:
    cards, cursor = await people.search_users(ME, "an", "", 3)
    assert [c.profile.handle for c in cards] == ["ana", "anc"]  # anb is blocked: the page is short
    assert [c.counts.followers for c in cards] == [10, 12]
    assert fakes.asked == [("an", "", 4)]  # one more than the page, to know whether there is a next
    cards, cursor = await people.search_users(ME, "an", cursor, 3)
    assert [c.profile.handle for c in cards] == ["ane"] and cursor == ""
    assert fakes.asked[-1] == ("an", "anc", 4)


@pytest.mark.parametrize("position", [{"after_handle": "A"}, {"after_handle": 5}, {"after_handle": "x" * 31}])
async def test_forged_cursors_are_refused(people: People, position: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        await people.search_users(ME, "an", encode_cursor(position), 3)


async def test_relationship_refuses_yourself_and_unknown_users(people: People) -> None:
    assert (await people.relationship(ME, 10)).standing == Standing(following=True)
    with pytest.raises(InvalidArgument):
        await people.relationship(ME, ME)
    with pytest.raises(NotFound):
        await people.relationship(ME, 99)
