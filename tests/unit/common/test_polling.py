"""The deadline-bound wait used by services and tests."""

from __future__ import annotations

import time

import pytest

from services.common.polling import WaitTimeout, wait_for, wait_for_sync, wait_until, wait_until_sync


async def test_wait_for_returns_the_first_value_that_meets_the_condition() -> None:
    calls = iter(range(100))
    assert await wait_for(lambda: next(calls), lambda n: n >= 3, what="three", interval=0) == 3


async def test_wait_until_accepts_coroutine_probes() -> None:
    seen: list[int] = []

    async def probe() -> bool:
        seen.append(1)
        return len(seen) == 2

    await wait_until(probe, what="the second call", interval=0)
    assert len(seen) == 2


async def test_a_condition_that_never_holds_names_what_was_awaited_and_the_last_value() -> None:
    with pytest.raises(WaitTimeout, match=r"waited 0.05 s for the answer; last seen: 41"):
        await wait_for(lambda: 41, lambda n: n == 42, what="the answer", within=0.05)


def test_the_blocking_variants_wait_the_same_way() -> None:
    started = time.monotonic()
    assert wait_for_sync(lambda: time.monotonic() - started, lambda t: t > 0.03, what="30 ms") > 0.03
    with pytest.raises(WaitTimeout, match="never"):
        wait_until_sync(lambda: False, what="never", within=0.02)
