"""Cache invalidation that survives the graph process: each change writes the users whose caches it invalidates to
a log in its own transaction, and the log entries go only once Redis took the invalidation.

The normal path costs one insert in the change's transaction and one batched delete: the process that committed
invalidates at once and removes its entries on the next upkeep round. When Redis refuses, the users stay pending in
the cache (answered from PostgreSQL) and their entries stay in the log. If the process then dies, the pending set
dies with it but the log does not: the next graph process to start marks every logged user pending before it
serves, and any graph process settles entries older than `settle_after_seconds` (a peer that died meanwhile).
Invalidating a user twice costs a cache miss, never a wrong answer, so replicas may race on the same entries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.graph.app.ports import CacheInvalidation, InvalidationLog

log = logging.getLogger(__name__)


class Invalidations:
    """Implements app.ports.Invalidator, and the upkeep rounds that finish what it could not."""

    def __init__(
        self, cache: CacheInvalidation, entries: InvalidationLog, *, settle_after_seconds: float, batch: int = 1000
    ):
        self.cache = cache
        self.entries = entries
        self.settle_after_seconds = settle_after_seconds
        self.batch = batch
        self.settled: list[int] = []  # entries whose invalidation Redis took, to remove on the next round

    async def after_commit(self, user_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        if user_ids and await self.cache.invalidate(user_ids):
            self.settled.extend(entry_ids)

    async def recover(self) -> None:
        """At start, before serving: users another process logged and may not have invalidated count as pending."""
        users = await self.entries.users()
        if users:
            log.info("graph cache invalidations left in the log; retrying them", extra={"users": len(users)})
            self.cache.mark_pending(users)

    async def retry(self) -> None:
        """One upkeep round: pending invalidations tried again, settled entries removed."""
        await self.cache.invalidate_pending()
        if not self.settled:
            return
        done, self.settled = self.settled, []
        try:
            await self.entries.remove(done)
        except Exception:
            self.settled.extend(done)
            raise

    async def settle_old(self) -> None:
        """Invalidates again the users of entries nobody removed in time, then removes those entries."""
        old = await self.entries.older_than(self.settle_after_seconds, self.batch)
        if old and await self.cache.invalidate(sorted({user for _, user in old})):
            await self.entries.remove([entry for entry, _ in old])
