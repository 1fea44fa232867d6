"""Batches applied side by side take turns for their removals and their rows: a batch goes after the previous
batch's turn, and one with nothing to do passes the turn on without letting the next go early."""

from __future__ import annotations

import asyncio

from services.notification.app import turns


async def test_a_turn_waits_for_the_previous_one_passed_on_by_a_batch_with_nothing_to_do() -> None:
    first = turns.take(None)
    idle = turns.take(first.done)
    third = turns.take(idle.done)
    idle.release()  # nothing to do: passes the turn on, but not before the first went
    waiting = asyncio.create_task(third.wait())
    await asyncio.wait([waiting], timeout=0.05)
    assert not waiting.done() and not idle.done.done()
    first.release()
    await asyncio.wait_for(waiting, timeout=5)
    assert idle.done.done()


async def test_a_released_turn_stays_released_and_the_first_goes_at_once() -> None:
    first = turns.take(None)
    await asyncio.wait_for(first.wait(), timeout=5)
    first.release()
    first.release()
    assert first.done.done()


async def test_a_cancelled_waiter_does_not_cancel_the_previous_turn() -> None:
    first = turns.take(None)
    second = turns.take(first.done)
    waiting = asyncio.create_task(second.wait())
    await asyncio.wait([waiting], timeout=0.01)
    waiting.cancel()
    await asyncio.wait([waiting], timeout=5)
    assert not first.done.cancelled()
    first.release()
    assert first.done.done()
