"""The rows of the batches' rests, written in rounds (group commit): each batch hands its drafts over in the batches'
order, and one round writes whatever was handed over while the round before it ran, so that batches waiting on a
slow store share its round trips instead of each paying its own in turn.

Order is kept where it matters: a source two batches link ends naming the later one's notification. Rounds run one
after another, and within a round a source is linked once, to the last batch's draft of it; the other rows (a
notification's own, its group's, its subjects') have one writer each or are identical.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.notification.app.ports import NotificationStore
from services.notification.domain.model import Draft


@dataclass
class RowWrites:
    store: NotificationStore
    _handed: list[tuple[Sequence[Draft], asyncio.Future[None]]] = field(default_factory=list, init=False, repr=False)
    _rounds: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    def write(self, drafts: Sequence[Draft]) -> asyncio.Future[None]:
        """Hands the drafts' rows over to the next round, at once: callers hand theirs over in the order their
        sources must end linked (app/ingest.py: the batches'). Done once they are written; failed if the round
        failed."""
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._handed.append((drafts, written))
        if self._rounds is None or self._rounds.done():
            self._rounds = asyncio.create_task(self._run(), name="notification-row-rounds")
        return written

    async def _run(self) -> None:
        while self._handed:
            taken, self._handed = self._handed, []
            drafts = [d for part, _ in taken for d in part]
            last_per_source = {(d.notification.recipient_id, d.source): d for d in drafts}
            try:
                await asyncio.gather(
                    self.store.write(drafts),
                    self.store.link(list(last_per_source.values())),
                    self.store.write_subjects(drafts),
                )
            except Exception as exc:  # every batch of the round fails, and is applied again
                for _, written in taken:
                    if not written.done():
                        written.set_exception(exc)
                continue
            for _, written in taken:
                if not written.done():
                    written.set_result(None)
