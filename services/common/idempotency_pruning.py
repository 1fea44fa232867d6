"""Forgetting old Idempotency-Keys: a retry is a client repeating a request it saw fail, within minutes or hours,
so each service keeps a key's first answer for a retention period (24 hours by default, as payment APIs do) and then
deletes it in batches. Before that a retry returns the first answer; after it the key is free, and a request with it
is a new request.

Each service passes its own statement (SQL beside its adapters: `$1` the retention in seconds, `$2` the batch size,
returning the deleted rows' count); every process of the service prunes, and concurrent prunes only delete the same
rows once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg

from services.common.periodic import PeriodicTask

log = logging.getLogger(__name__)

DEFAULT_RETENTION_SECONDS = 24 * 3600.0


@dataclass
class IdempotencyKeyPruner:
    pool: asyncpg.Pool
    statement: str
    retention_seconds: float
    batch: int = 5000

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


def start_pruning(
    pool: asyncpg.Pool, statement: str, *, retention_seconds: float, every_seconds: float
) -> PeriodicTask:
    """Prunes the keys past `retention_seconds` every `every_seconds`, in the background, until stopped."""
    pruner = IdempotencyKeyPruner(pool, statement, retention_seconds)
    return PeriodicTask("idempotency-key-pruning", pruner.run_once, every_seconds).start()
