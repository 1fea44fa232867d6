"""adapters.coalesced_calls: questions asked while a group's call is in flight go together in the next call; a lone
question is sent at once; every question gets its own answer, or its call's error."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.common.polling import wait_until
from services.engagement.adapters.coalesced_calls import CoalescedCalls


class Peer:
    """Answers item * 10 (or raises for item < 0); each call waits until `release` is set."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self.release = asyncio.Event()

    async def call(self, group: str, items: Sequence[int]) -> list[int]:
        self.calls.append((group, list(items)))
        await self.release.wait()
        if any(i < 0 for i in items):
            raise ValueError("negative")
        return [i * 10 for i in items]


async def test_questions_asked_during_a_call_share_the_next_one() -> None:
    peer = Peer()
    calls = CoalescedCalls(peer.call, max_batch=100)
    first = asyncio.create_task(calls.ask("a", 1))
    await wait_until(lambda: bool(peer.calls), what="the first call", within=2, interval=0.001)
    assert peer.calls == [("a", [1])]  # sent at once, alone
    later = [asyncio.create_task(calls.ask("a", i)) for i in (2, 3, 2)]
    other = asyncio.create_task(calls.ask("b", 7))  # another group has its own calls
    # the tasks run in the order they were made: once b's call is out, a's questions are all waiting
    await wait_until(lambda: ("b", [7]) in peer.calls, what="b's call", within=2, interval=0.001)
    peer.release.set()
    assert await first == 10
    assert [await t for t in later] == [20, 30, 20]
    assert await other == 70
    assert peer.calls == [("a", [1]), ("b", [7]), ("a", [2, 3])]  # the repeated item asked once


async def test_a_call_takes_at_most_max_batch_items() -> None:
    peer = Peer()
    peer.release.set()
    calls = CoalescedCalls(peer.call, max_batch=2)
    assert await asyncio.gather(*(calls.ask("a", i) for i in range(5))) == [0, 10, 20, 30, 40]
    assert [len(items) for _, items in peer.calls] == [2, 2, 1]


async def test_a_failed_call_fails_its_questions_only() -> None:
    peer = Peer()
    calls = CoalescedCalls(peer.call, max_batch=100)
    bad = [asyncio.create_task(calls.ask("a", i)) for i in (1, -1)]
    await wait_until(lambda: bool(peer.calls), what="the call", within=2, interval=0.001)
    peer.release.set()
    for task in bad:
        with pytest.raises(ValueError):
            await task
    assert await calls.ask("a", 4) == 40  # the group is asked again afterwards


async def test_a_caller_that_gives_up_leaves_the_others_answered() -> None:
    peer = Peer()
    calls = CoalescedCalls(peer.call, max_batch=100)
    quitter = asyncio.create_task(calls.ask("a", 1))
    stayer = asyncio.create_task(calls.ask("a", 2))
    await wait_until(lambda: bool(peer.calls), what="the call", within=2, interval=0.001)
    quitter.cancel()
    peer.release.set()
    assert await stayer == 20
    with pytest.raises(asyncio.CancelledError):
        await quitter
