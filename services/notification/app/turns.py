"""An order that batches applied side by side keep for part of their work (app/ingest.py: their removals, their
rows): each batch takes a `Turn` when it starts, waits for the previous batch's before that part, and releases its own
after it, or when it has nothing to do."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class Turn:
    """A batch's place in an order the batches keep: it goes once the previous batch's `done` is, and its own `done`
    says it went."""

    previous: asyncio.Future[None] | None
    done: asyncio.Future[None]

    async def wait(self) -> None:
        if self.previous is not None:
            await asyncio.shield(self.previous)

    def release(self) -> None:
        """Done once the previous is (at once when it is): a batch with nothing to do passes the turn on."""
        if self.done.done():
            return
        if self.previous is None or self.previous.done():
            self.done.set_result(None)
            return

        def went(_: asyncio.Future[None]) -> None:
            if not self.done.done():
                self.done.set_result(None)

        self.previous.add_done_callback(went)


def take(last: asyncio.Future[None] | None) -> Turn:
    """The next turn after `last` (the previous batch's `done`; None for the first)."""
    return Turn(last, asyncio.get_running_loop().create_future())
