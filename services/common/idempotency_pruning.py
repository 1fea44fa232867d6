"""Forgetting old Idempotency-Keys: a retry is a client repeating a request it saw fail, within minutes or hours,
so each service keeps a key's first answer for a retention period (24 hours by default, as payment APIs do) and then
deletes it in batches. Before that a retry returns the first answer; after it the key is free, and a request with it
is a new request.

Each service passes its own statement (SQL beside its adapters: `$1` the retention in seconds, `$2` the batch size,
returning the deleted rows' count); every process of the service prunes, and concurrent prunes only delete the same
rows once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import asyncpg

log = logging.getLogger(__name__)

DEFAULT_RETENTION_SECONDS = 24 * 3600.0


@dataclass
class IdempotencyKeyPruner:
    pool: asyncpg.Pool
    statement: str
    retention_seconds: float
    interval_seconds: float
    batch: int = 5000
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    async def run_once(self) -> int:
        """Deletes the keys past the retention, a batch per statement; returns how many."""
        deleted = 0
        while True:
            async with self.pool.acquire() as conn:
                count = int(await conn.fetchval(self.statement, self.retention_seconds, self.batch))
            deleted += count
            if count < self.batch:
                break
        if deleted:
            log.info("idempotency keys pruned", extra={"deleted": deleted})
        return deleted

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            try:
                await self.run_once()
            except (asyncpg.PostgresError, OSError) as exc:
                # Keys kept a little longer harm nobody: try again next round.
                log.warning("idempotency key pruning failed", extra={"error": str(exc)})

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="idempotency-key-pruning")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
