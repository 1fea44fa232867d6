"""The Flush use case: take in everything the lake's topics hold now (the training job calls it first)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.errors import Unavailable
from services.common.polling import WaitTimeout, wait_for
from services.lake.app.archiver import Archiver
from services.lake.app.ports import Offsets


@dataclass(frozen=True)
class FlushResult:
    events_written: int
    files_written: int
    offsets_through: int


@dataclass
class Flush:
    archiver: Archiver
    offsets: Offsets
    within_seconds: float = 120.0

    async def __call__(self) -> FlushResult:
        """Returns once the lake's group committed past today's end offsets; the group commits a batch only once its
        events are uploaded, so every event published before the call is in the lake then."""
        ends = {where: end for where, end in (await self.offsets.end_offsets()).items() if end > 0}
        before_events, before_files = self.archiver.written.events, self.archiver.written.files
        async with self.archiver.eager():
            await self.archiver.flush()

            def caught_up(committed: dict[str, int]) -> bool:
                return all(committed.get(where, 0) >= end for where, end in ends.items())

            try:
                await wait_for(
                    self.offsets.committed,
                    caught_up,
                    what="the lake's consumer group committed past the end offsets of the flush request",
                    within=self.within_seconds,
                    interval=0.2,
                )
            except WaitTimeout as exc:
                raise Unavailable(f"the lake did not catch up in time: {exc}", reason="LAKE_BEHIND") from None
        return FlushResult(
            events_written=self.archiver.written.events - before_events,
            files_written=self.archiver.written.files - before_files,
            offsets_through=sum(ends.values()),
        )
