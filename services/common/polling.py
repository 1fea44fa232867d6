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
from typing import Any, TypeVar, overload

T = TypeVar("T")

_MISSING = object()


class WaitTimeout(AssertionError):
    """The condition did not hold within the deadline (an AssertionError, so tests report it as a failure)."""


def _describe(what: str, within: float, last: Any) -> str:
    seen = "" if last is _MISSING else f"; last seen: {last!r}"[:500]
    return f"waited {within:g} s for {what}{seen}"


async def _call(probe: Callable[[], Any]) -> Any:
    value = probe()
    if inspect.isawaitable(value):
        value = await value
    return value


@overload
async def wait_for(
    probe: Callable[[], Awaitable[T]],
    condition: Callable[[T], bool] = ...,
    *,
    what: str,
    within: float = ...,
    interval: float = ...,
) -> T: ...


@overload
async def wait_for(
    probe: Callable[[], T],
    condition: Callable[[T], bool] = ...,
    *,
    what: str,
    within: float = ...,
    interval: float = ...,
) -> T: ...


async def wait_for(
    probe: Callable[[], Any],
    condition: Callable[[Any], bool] = bool,
    *,
    what: str,
    within: float = 10.0,
    interval: float = 0.02,
) -> Any:
    """Calls `probe` until `condition(value)` holds; returns that value. Raises WaitTimeout past `within` seconds."""
    deadline = time.monotonic() + within
    last: Any = _MISSING
    while True:
        last = await _call(probe)
        if condition(last):
            return last
        if time.monotonic() >= deadline:
            raise WaitTimeout(_describe(what, within, last))
        await asyncio.sleep(interval)


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]], *, what: str, within: float = 10.0, interval: float = 0.02
) -> None:
    """Waits until `condition()` is true. Raises WaitTimeout past `within` seconds."""
    await wait_for(condition, bool, what=what, within=within, interval=interval)


def wait_for_sync(
    probe: Callable[[], T],
    condition: Callable[[T], bool] = bool,
    *,
    what: str,
    within: float = 10.0,
    interval: float = 0.02,
) -> T:
    """`wait_for` for code outside an event loop (blocking clients, subprocesses)."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if condition(value):
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout(_describe(what, within, value))
        time.sleep(interval)


def wait_until_sync(condition: Callable[[], bool], *, what: str, within: float = 10.0, interval: float = 0.02) -> None:
    """`wait_until` for code outside an event loop."""
    wait_for_sync(condition, bool, what=what, within=within, interval=interval)
