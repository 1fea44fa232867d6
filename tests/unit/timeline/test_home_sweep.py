"""The sweep of inactive readers' home timelines (app/home_sweep.py, domain/home_retention.py), and the bucket index
memory it relies on (adapters/cassandra_store.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from services.timeline.adapters.cassandra_store import _RecentSet
from services.timeline.app.home_sweep import HomeSweep
from services.timeline.app.ports import StreamKind
from services.timeline.domain import home_retention
from tests.unit.timeline.test_feed_reads import make_rig


class Rows:
    def __init__(self, owners: list[int]) -> None:
        self.owners_left = owners
        self.dropped: list[tuple[int, int]] = []

    async def owners(self, page_size: int) -> AsyncIterator[list[int]]:
        for start in range(0, len(self.owners_left), page_size):
            yield self.owners_left[start : start + page_size]

    async def drop(self, owners: Sequence[int], written_before_us: int) -> None:
        self.dropped.extend((o, written_before_us) for o in owners)


class Activity:
    def __init__(self, active: set[int]) -> None:
        self.active = active

    async def active_readers(self, user_ids: Sequence[int]) -> list[bool]:
        return [u in self.active for u in user_ids]


async def test_inactive_readers_rows_go_with_a_write_time_before_the_check() -> None:
    rows = Rows(list(range(1, 8)))
    sweep = HomeSweep(rows, Activity({2, 5}), page_size=3, clock=lambda: 1000.0)
    assert await sweep.run_once() == 5
    assert [o for o, _ in rows.dropped] == [1, 3, 4, 6, 7]
    margin = home_retention.DELETION_MARGIN_SECONDS
    assert {ts for _, ts in rows.dropped} == {int((1000.0 - margin) * 1_000_000)}


def test_the_deletion_margin_outlasts_the_writers_index_memory() -> None:
    assert home_retention.DELETION_MARGIN_SECONDS > home_retention.INDEX_MEMORY_SECONDS
    assert home_retention.droppable([1, 2, 3], [True, False, True]) == [2]


def test_a_writer_forgets_the_index_rows_it_wrote_after_the_memory_age() -> None:
    now = [0.0]
    seen = _RecentSet(size=10, max_age_seconds=600, clock=lambda: now[0])
    assert seen.add((1, 5))
    now[0] = 599.0
    assert not seen.add((1, 5))  # skipped: written 599 s ago (a skip does not renew the memory)
    now[0] = 601.0
    assert seen.add((1, 5))  # written again


async def test_a_reader_whose_home_rows_were_all_dropped_gets_an_exact_feed_on_return() -> None:
    rig = make_rig(threshold=100)
    await rig.follow(10, 2)
    await rig.follow(10, 3)
    await rig.feed(10, 3)
    old = [await rig.publish(a) for a in (2, 3, 10, 2)]
    await rig.feed(10, 3)
    rig.cache.active.discard(10)  # gone: the activity mark expired
    while_away = [await rig.publish(a) for a in (3, 2, 10)]  # only its own post is written to its home
    # the sweep drops every home row, and Redis has lost the home cache (its TTL is the inactivity)
    assert rig.store.home.pop(10)
    assert rig.cache.streams.pop((StreamKind.HOME, 10))
    assert await rig.feed(10, 2) == rig.expected(10)
    assert set(old + while_away) <= set(rig.expected(10))
    assert await rig.feed(10, 2) == rig.expected(10)  # and again, from the rebuilt home timeline
