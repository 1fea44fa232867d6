"""The counter cache around every write and read: a committed change is applied to the cache before the call
returns (read-your-writes), and whatever the cache cannot answer is answered from PostgreSQL, exactly."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.engagement.app.ports import (
    Actor,
    CacheUnavailable,
    Conn,
    CounterCache,
    Database,
    EngagementStore,
    EngagementVersions,
)
from services.engagement.domain.model import Counts, MemberChange

log = logging.getLogger(__name__)


@dataclass
class Counting:
    db: Database
    store: EngagementStore
    cache: CounterCache
    versions: EngagementVersions
    # Posts whose committed change could not be applied to the cache: their cached counts may be stale, so the
    # maintenance drops them as soon as the cache answers again.
    unsynced: set[int] = field(default_factory=set)
    # Posts whose change was applied to the cache since the last sweep took them: the sweep checks them even when
    # PostgreSQL shows no change of theirs (a commit acknowledged and then lost by the database), which its look at
    # the recently counted posts cannot find.
    applied_posts: set[int] = field(default_factory=set)

    async def applied(self, change: MemberChange, conn: Conn | None = None, actor: Actor | None = None) -> int:
        """Applies a committed change to the cache, then gives `actor` (who made it) a fresh engagement version; the
        post's count of that kind afterwards. A caller that holds a connection passes it: taking a second one while
        holding a row lock could starve the pool."""
        try:
            count = await self.cache.apply(change, actor)
        except CacheUnavailable as exc:
            self.unsynced.add(change.post_id)
            log.warning("counter cache unavailable; counting from PostgreSQL", extra={"error": str(exc)})
            if actor is not None:
                await self.new_version(actor)
            count = None
        if count is not None:
            self.applied_posts.add(change.post_id)
            return count
        return (await self.exact([change.post_id], conn))[change.post_id].of(change.kind)

    async def new_version(self, actor: Actor) -> None:
        """After a change of the user's is committed and in the counter cache: a fresh engagement version, so readers
        that keep copies of the counts ask again for this user. Failing, the write stands (it is committed) and the
        user may see their change only once the readers' copies age out (seconds)."""
        try:
            await self.versions.replace(actor.user_id, sees_own_hidden=actor.sees_own_hidden)
        except CacheUnavailable as exc:
            log.warning("engagement version not replaced", extra={"user_id": actor.user_id, "error": str(exc)})

    async def exact(self, post_ids: Sequence[int], conn: Conn | None = None) -> dict[int, Counts]:
        if conn is not None:
            return await self.store.exact_counts(conn, post_ids)
        async with self.db.reads() as held:
            return await self.store.exact_counts(held, post_ids)
