"""The counter cache around every write and read: a committed change is applied to the cache before the call
returns (read-your-writes), and whatever the cache cannot answer is answered from PostgreSQL, exactly."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.engagement.app.ports import CacheUnavailable, Conn, CounterCache, Database, EngagementStore
from services.engagement.domain.model import Counts, MemberChange

log = logging.getLogger(__name__)


@dataclass
class Counting:
    db: Database
    store: EngagementStore
    cache: CounterCache
    # Posts whose committed change could not be applied to the cache: their cached counts may be stale, so the
    # maintenance drops them as soon as the cache answers again.
    unsynced: set[int] = field(default_factory=set)

    async def applied(self, change: MemberChange, conn: Conn | None = None) -> int:
        """Applies a committed change to the cache; the post's count of that kind afterwards. A caller that holds a
        connection passes it: taking a second one while holding a row lock could starve the pool."""
        try:
            count = await self.cache.apply(change)
        except CacheUnavailable as exc:
            self.unsynced.add(change.post_id)
            log.warning("counter cache unavailable; counting from PostgreSQL", extra={"error": str(exc)})
            count = None
        if count is not None:
            return count
        return (await self.exact([change.post_id], conn))[change.post_id].of(change.kind)

    async def exact(self, post_ids: Sequence[int], conn: Conn | None = None) -> dict[int, Counts]:
        if conn is not None:
            return await self.store.exact_counts(conn, post_ids)
        async with self.db.reads() as held:
            return await self.store.exact_counts(held, post_ids)
