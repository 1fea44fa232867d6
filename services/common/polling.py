"""Waiting on a condition with a deadline: the one way services and tests wait for something to become true.

    await wait_until(lambda: consumer.assigned.is_set(), what="partitions assigned", within=10)
    rows = await wait_for(read_rows, lambda rows: len(rows) == 3, what="three rows in user_timeline")

The probe is called again every `interval` seconds until it holds; past `within` seconds a `WaitTimeout` names what was
waited for and the last value seen, so a failure says what did not happen instead of failing an assert later.
Probes may be plain functions or coroutine functions.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, Required, TypedDict, TypeVar, Unpack, overload

T = TypeVar("T")


class Patience(TypedDict, total=False):
    """What is waited for (named in the timeout's message), for how long at most, and how often it is asked."""

    what: Required[str]
    within: float  # seconds; 10 when not given
    interval: float  # seconds between two probes; 0.02 when not given


class WaitTimeout(AssertionError):
    """The condition did not hold within the deadline (an AssertionError, so tests report it as a failure)."""


class _Deadline:
    def __init__(self, patience: Patience):
        self.what = patience["what"]
        self.within = patience.get("within", 10.0)
        self.interval = patience.get("interval", 0.02)
        self.at = time.monotonic() + self.within

    def pause_after(self, last: Any) -> float:
        """How long to wait before the next probe; raises WaitTimeout once the deadline has passed."""
        if time.monotonic() >= self.at:
            raise WaitTimeout(f"waited {self.within:g} s for {self.what}; last seen: {last!r}"[:600])
        return self.interval


@overload
async def wait_for(
    probe: Callable[[], Awaitable[T]], condition: Callable[[T], bool] = ..., **patience: Unpack[Patience]
) -> T: ...
@overload
async def wait_for(probe: Callable[[], T], condition: Callable[[T], bool] = ..., **patience: Unpack[Patience]) -> T: ...
async def wait_for(
    probe: Callable[[], Any], condition: Callable[[Any], bool] = bool, **patience: Unpack[Patience]
) -> Any:
    """Calls `probe` until `condition(value)` holds; returns that value. Raises WaitTimeout past `within` seconds."""
    deadline = _Deadline(patience)
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if condition(value):
            return value
        await asyncio.sleep(deadline.pause_after(value))


async def wait_until(condition: Callable[[], bool | Awaitable[bool]], **patience: Unpack[Patience]) -> None:
    """Waits until `condition()` is true. Raises WaitTimeout past `within` seconds."""
    await wait_for(condition, bool, **patience)


def wait_for_sync(probe: Callable[[], T], condition: Callable[[T], bool] = bool, **patience: Unpack[Patience]) -> T:
    """`wait_for` for code outside an event loop (blocking clients, subprocesses)."""
    deadline = _Deadline(patience)
    while not condition(value := probe()):
        time.sleep(deadline.pause_after(value))
    return value


def wait_until_sync(condition: Callable[[], bool], **patience: Unpack[Patience]) -> None:
    """`wait_until` for code outside an event loop."""
    wait_for_sync(condition, bool, **patience)
