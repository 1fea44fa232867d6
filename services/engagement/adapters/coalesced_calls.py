"""Many callers' questions of one kind answered by one batch call to a peer: the questions of a group asked while the
group's call is in flight wait for the next call, which takes every one queued meanwhile. A lone question is sent
at once (in the loop iteration after it was asked), so coalescing adds no wait, only fewer calls under load."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

G = TypeVar("G", bound=Hashable)
I = TypeVar("I", bound=Hashable)  # noqa: E741  # the item asked about
R = TypeVar("R")

BatchCall = Callable[[G, Sequence[I]], Awaitable[Sequence[R]]]


class CoalescedCalls(Generic[G, I, R]):
    """`ask(group, item)` -> the answer of `call(group, items)` for that item; at most `max_batch` items per call,
    each distinct item asked once per call. A failed call fails every question it carried."""

    def __init__(self, call: BatchCall[G, I, R], *, max_batch: int):
        if max_batch <= 0:
            raise ValueError("max_batch must be > 0")
        self._call = call
        self._max_batch = max_batch
        self._queued: dict[G, list[tuple[I, asyncio.Future[R]]]] = {}
        self._draining: dict[G, asyncio.Task[None]] = {}

    async def ask(self, group: G, item: I) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queued.setdefault(group, []).append((item, future))
        if group not in self._draining:
            self._draining[group] = asyncio.create_task(self._drain(group))
        return await future

    async def _drain(self, group: G) -> None:
        try:
            while queued := self._queued.get(group):
                batch, rest = queued[: self._max_batch], queued[self._max_batch :]
                if rest:
                    self._queued[group] = rest
                else:
                    del self._queued[group]
                await self._answer(group, batch)
        except BaseException:  # cancelled (the server stops): nobody is left to ask for the group's questions
            for _, future in self._queued.pop(group, []):
                future.cancel()
            raise
        finally:
            del self._draining[group]

    async def _answer(self, group: G, batch: list[tuple[I, asyncio.Future[R]]]) -> None:
        waiting = [(item, future) for item, future in batch if not future.done()]  # a caller that gave up: skipped
        if not waiting:
            return
        items = list(dict.fromkeys(item for item, _ in waiting))
        try:
            answers = await self._call(group, items)
            if len(answers) != len(items):
                raise RuntimeError(f"a batch call answered {len(answers)} of {len(items)} items")
        except Exception as exc:
            for _, future in waiting:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:
            for _, future in waiting:
                future.cancel()
            raise
        by_item = dict(zip(items, answers, strict=True))
        for item, future in waiting:
            if not future.done():
                future.set_result(by_item[item])
