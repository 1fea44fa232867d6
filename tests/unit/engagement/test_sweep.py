"""The reconciliation sweep's decision, on fakes of the cache and PostgreSQL: a post whose cached counts differ from
the exact ones is dropped only when it differs the same way at the next check with no change in between (a change
in flight makes a difference that is gone by then)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

from services.engagement.app.counters import FLUSH_LAG, CounterMaintenance
from services.engagement.app.counting import Counting
from services.engagement.app.ports import CachedCounts, Flushed, PostMembers
from services.engagement.domain.model import Counts


class FakeDb:
    @contextlib.asynccontextmanager
    async def reads(self) -> AsyncIterator[None]:
        yield None

    snapshot = transaction = reads


class FakeStore:
    def __init__(self) -> None:
        self.exact: dict[int, Counts] = {}

    async def exact_counts(self, conn: Any, post_ids: Sequence[int]) -> dict[int, Counts]:
        return {p: self.exact.get(p, Counts()) for p in post_ids}


class FakeCache:
    def __init__(self) -> None:
        self.cached: dict[int, tuple[Counts, str]] = {}
        self.forgotten: list[int] = []

    async def counts(self, post_ids: Sequence[int]) -> dict[int, CachedCounts]:
        found = {p: self.cached.get(p) for p in post_ids}
        return {p: CachedCounts(v[0], v[1]) if v else CachedCounts(None, "") for p, v in found.items()}

    async def forget(self, post_ids: Sequence[int]) -> None:
        self.forgotten += post_ids
        for p in post_ids:
            self.cached.pop(p, None)


class FakeLedger:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def flush(self, conn: Any, batch: int) -> Flushed:
        return Flushed([], None)

    async def recount(self, conn: Any, post_ids: Sequence[int]) -> dict[int, Counts]:
        return await self.store.exact_counts(conn, post_ids)

    async def members(self, conn: Any, post_ids: Sequence[int]) -> dict[int, PostMembers]:
        return {p: PostMembers([], [], []) for p in post_ids}

    async def recently_counted(self, conn: Any, since: dt.datetime, limit: int) -> list[tuple[int, dt.datetime]]:
        return []  # no change in PostgreSQL


def maintenance() -> tuple[CounterMaintenance, FakeStore, FakeCache]:
    store, cache = FakeStore(), FakeCache()
    db: Any = FakeDb()
    counting = Counting(db, store, cache, versions=None)  # type: ignore[arg-type]
    sweeper = CounterMaintenance(
        db=db,
        ledger=FakeLedger(store),
        cache=cache,  # type: ignore[arg-type]
        counting=counting,
        flush_seconds=1,
        flush_batch=10,
        sweep_seconds=1,
        sweep_window_seconds=1,
        first_sweep_window_seconds=1,
        drift_sample=5,
    )
    return sweeper, store, cache


async def test_a_difference_that_stays_while_nothing_changes_is_dropped() -> None:
    sweeper, store, cache = maintenance()
    store.exact[1] = Counts(likes=2)
    cache.cached[1] = (Counts(likes=1), "t1")
    await sweeper.check([1])
    assert cache.forgotten == []  # once could be a change in flight
    await sweeper.check([1])
    assert cache.forgotten == [1]


async def test_a_difference_that_goes_away_or_keeps_changing_is_left_alone() -> None:
    sweeper, store, cache = maintenance()
    store.exact[1] = Counts(likes=2)
    cache.cached[1] = (Counts(likes=1), "t1")
    await sweeper.check([1])
    cache.cached[1] = (Counts(likes=2), "t2")  # the apply in flight landed
    await sweeper.check([1])
    await sweeper.check([1])
    assert cache.forgotten == []

    store.exact[2] = Counts(shares=5)
    for n in range(4):  # a post that keeps changing is never judged on a moving picture
        cache.cached[2] = (Counts(shares=n), f"g{n}")
        await sweeper.check([2])
    assert cache.forgotten == []


async def test_a_cached_change_the_database_does_not_have_is_dropped() -> None:
    """A like applied to the cache after its commit was acknowledged, and then lost by PostgreSQL: no change of the
    post is left to flush, so only the apply names the post to the sweep."""
    sweeper, store, cache = maintenance()
    store.exact[4] = Counts()
    cache.cached[4] = (Counts(likes=1), "t1")
    sweeper.counting.applied_posts.add(4)
    await sweeper.sweep_once()
    assert cache.forgotten == [] and sweeper.counting.applied_posts == set()
    await sweeper.sweep_once()
    assert cache.forgotten == [4]


async def test_posts_not_cached_are_not_checked() -> None:
    sweeper, store, cache = maintenance()
    store.exact[3] = Counts(comments=1)
    await sweeper.check([3])
    await sweeper.check([3])
    assert cache.forgotten == []


async def test_the_flush_lag_is_the_oldest_change_of_the_pass_not_its_last_empty_statement() -> None:
    sweeper, _store, _cache = maintenance()
    now = dt.datetime.now(dt.UTC)
    passes = iter([Flushed([1, 2], now - dt.timedelta(seconds=3)), Flushed([3], now - dt.timedelta(seconds=1))])

    async def flush(conn: Any, batch: int) -> Flushed:
        return next(passes, Flushed([], None))

    sweeper.ledger.flush = flush  # type: ignore[method-assign]
    await sweeper.flush_all()
    assert 3.0 <= FLUSH_LAG._value.get() < 4.0
    await sweeper.flush_all()  # nothing pending
    assert FLUSH_LAG._value.get() == 0.0
