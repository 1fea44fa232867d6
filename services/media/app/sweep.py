"""The sweep of uploads no post attached within the retention (domain/retention.py): run on a timer.

Safe against a post created with the media at the same moment: the sweep first marks its batch as being swept in
PostgreSQL, then deletes the objects, then marks them swept. An attach (AttachMedia, before the post's transaction)
checks the object, then attaches only rows neither being swept nor swept; the row lock orders the two. So either
the attach came first and the sweep leaves the upload alone, or the sweep came first and the attach refuses it: a
post never names media the sweep deletes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter

from services.media.app.ports import ObjectStore, Uploads, utc_now
from services.media.domain.retention import forget_swept_before, sweep_before

log = logging.getLogger(__name__)

SWEPT = Counter("feedmesh_media_swept_total", "Uploads deleted because no post attached them within the retention")
SWEEP_FAILURES = Counter("feedmesh_media_sweep_failures_total", "Sweep batches the object store did not delete")


@dataclass
class UploadSweep:
    uploads: Uploads
    store: ObjectStore
    retention_seconds: int
    batch: int = 500
    clock: Callable[[], dt.datetime] = utc_now

    async def run_once(self) -> int:
        """Sweeps every upload due; how many were deleted."""
        now = self.clock()
        swept = 0
        while True:
            refs = await self.uploads.choose_to_sweep(sweep_before(now, self.retention_seconds), self.batch)
            if not refs:
                break
            try:
                await self.store.delete(refs)
            except Exception:
                SWEEP_FAILURES.inc()
                raise  # left being swept: the next round deletes them (an attach refuses them meanwhile)
            await self.uploads.mark_swept(refs, now)
            SWEPT.inc(len(refs))
            swept += len(refs)
            if len(refs) < self.batch:
                break
        forgotten = await self.uploads.prune_swept(forget_swept_before(now))
        if swept or forgotten:
            log.info("uploads swept", extra={"swept": swept, "rows_forgotten": forgotten})
        return swept
