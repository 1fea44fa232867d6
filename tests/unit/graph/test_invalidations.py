"""app.invalidations on in-memory fakes of the cache and the log: which entries go, and only once Redis took them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from services.graph.app.invalidations import Invalidations


@dataclass
class FakeCache:
    up: bool = True
    pending: set[int] = field(default_factory=set)
    invalidated: list[list[int]] = field(default_factory=list)

    async def invalidate(self, user_ids: Sequence[int]) -> bool:
        users = sorted(set(user_ids) | self.pending)
        if not self.up:
            self.pending.update(user_ids)
            return False
        self.pending.clear()
        self.invalidated.append(users)
        return True

    def mark_pending(self, user_ids: Sequence[int]) -> None:
        self.pending.update(user_ids)

    async def invalidate_pending(self) -> None:
        if self.pending:
            await self.invalidate([])


@dataclass
class FakeLog:
    entries: dict[int, tuple[int, float]] = field(default_factory=dict)  # id -> (user, age in seconds)
    fail_removes: bool = False

    async def remove(self, entry_ids: Sequence[int]) -> None:
        if self.fail_removes:
            raise ConnectionError("PostgreSQL is down")
        for entry in entry_ids:
            self.entries.pop(entry, None)

    async def older_than(self, seconds: float, limit: int) -> list[tuple[int, int]]:
        old = [(entry, user) for entry, (user, age) in sorted(self.entries.items()) if age > seconds]
        return old[:limit]

    async def users(self) -> list[int]:
        return sorted({user for user, _ in self.entries.values()})


async def test_entries_go_on_the_round_after_redis_took_them() -> None:
    cache, entries = FakeCache(), FakeLog({1: (10, 0.0), 2: (20, 0.0)})
    invalidations = Invalidations(cache, entries, settle_after_seconds=30)
    await invalidations.after_commit([10, 20], [1, 2])
    assert cache.invalidated == [[10, 20]] and entries.entries  # removed on the next round, in one statement
    await invalidations.retry()
    assert entries.entries == {}


async def test_entries_of_a_refused_invalidation_stay_until_old_and_settled() -> None:
    cache, entries = FakeCache(up=False), FakeLog({1: (10, 0.0)})
    invalidations = Invalidations(cache, entries, settle_after_seconds=30)
    await invalidations.after_commit([10], [1])
    await invalidations.retry()
    assert cache.pending == {10} and 1 in entries.entries
    await invalidations.settle_old()  # not old yet
    assert 1 in entries.entries
    entries.entries[1] = (10, 31.0)
    await invalidations.settle_old()  # old, but Redis still refuses
    assert 1 in entries.entries
    cache.up = True
    await invalidations.settle_old()
    assert entries.entries == {} and cache.invalidated == [[10]]


async def test_a_new_process_treats_logged_users_as_pending() -> None:
    cache, entries = FakeCache(), FakeLog({1: (10, 0.0), 2: (20, 0.0), 3: (10, 0.0)})
    await Invalidations(cache, entries, settle_after_seconds=30).recover()
    assert cache.pending == {10, 20}


async def test_a_failed_removal_is_tried_again() -> None:
    cache, entries = FakeCache(), FakeLog({1: (10, 0.0)}, fail_removes=True)
    invalidations = Invalidations(cache, entries, settle_after_seconds=30)
    await invalidations.after_commit([10], [1])
    with pytest.raises(ConnectionError):
        await invalidations.retry()
    assert invalidations.settled == [1]
    entries.fail_removes = False
    await invalidations.retry()
    assert entries.entries == {} and invalidations.settled == []
