"""Redis read-through caches of the graph: per-user counts, and per-author follower id sets for fanout.

Keys (services.common.redis_keys, graph section; the `{user}` hash tag keeps one user's keys in one cluster slot):
the counts, a hash; the followers, a sorted set with all scores 0 whose members are the follower ids zero-padded to
20 digits so that lexicographic order is numeric order (scores are doubles: they cannot hold 64-bit ids exactly),
plus one empty member that marks the set as cached even with no followers; the generation, a unique token replaced
by every invalidation, also published as the user's relationship version (services.common.relationship_version).

Invalidation after a committed change bumps the generation and deletes the cached values, in one script per user:
whoever reads the new generation can no longer find the old values. A reader that misses notes the generation
before it reads PostgreSQL, and stores what it read only if the generation is still the same (checked atomically
in a script), so a read that raced a change can never put stale data back. So an answer read after the generation
is current while the generation is (what ListFollowerIds' relationship_version promises). Redis being down is a
miss, never an error: PostgreSQL answers.

An invalidation Redis did not take (down, or loading its data after a restart) is not dropped: the users stay
pending, their cached values and generation count as unknown here (answers come from PostgreSQL, with no version),
and `invalidate_pending` tries again until Redis takes it. Otherwise a follow made while Redis was down would leave
the old follower set and generation in place for their whole TTL, and every copy kept by that generation (the
timeline's follower listings for fanout, its followees) would stay current without the new follower. Pending users
outlive the process through the invalidation log (app.invalidations).
"""

from __future__ import annotations

import bisect
import logging
import uuid
from collections.abc import Sequence

from prometheus_client import Counter, Gauge
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.common import redis_keys
from services.common.redis_mux import load_script
from services.common.relationship_version import VERSION_TTL_SECONDS, ensure_call, ensure_script
from services.graph.app.ports import CountsLoader, FollowerLoader
from services.graph.domain.model import Counts

log = logging.getLogger(__name__)

CACHE_LOOKUPS = Counter("feedmesh_graph_cache_lookups_total", "Graph cache lookups", ["cache", "result"])
PENDING_INVALIDATIONS = Gauge(
    "feedmesh_graph_pending_invalidations", "Users whose cache invalidation Redis has not taken yet (retried)"
)

_FILL_CHUNK = 5_000
_SENTINEL = b""


def _member(user_id: int) -> bytes:
    return b"%020d" % user_id


class RedisGraphCache:
    """Implements app.ports.GraphCache."""

    def __init__(self, redis: Redis, *, ttl_seconds: int):
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self._fill_counts = redis.register_script(load_script(__file__, "fill_counts.lua").source)
        self._publish_followers = redis.register_script(load_script(__file__, "publish_followers.lua").source)
        self._ensure_generation = redis.register_script(ensure_script().source)
        self._invalidate = redis.register_script(load_script(__file__, "invalidate.lua").source)
        self.pending: set[int] = set()  # users whose invalidation Redis has not taken yet

    async def relationship_version(self, user_id: int) -> str:
        if user_id in self.pending:
            return ""
        try:
            keys, args = ensure_call([user_id])
            [generation] = await self._ensure_generation(keys=keys, args=args)
        except RedisError as exc:
            log.warning("graph cache unavailable; no relationship version", extra={"error": str(exc)})
            return ""
        return generation.decode() if isinstance(generation, bytes) else str(generation)

    async def counts(self, user_ids: Sequence[int], load: CountsLoader) -> dict[int, Counts]:
        users = list(dict.fromkeys(user_ids))
        if self.pending.intersection(users):
            return await load(users)
        try:
            pipe = self.redis.pipeline(transaction=False)
            for user in users:
                pipe.hmget(redis_keys.graph_counts(user), "f", "g")
                pipe.get(redis_keys.graph_generation(user))
            raw = await pipe.execute()
        except RedisError as exc:
            log.warning("graph cache unavailable; reading counts from PostgreSQL", extra={"error": str(exc)})
            return await load(users)
        found: dict[int, Counts] = {}
        generations: dict[int, bytes] = {}
        for n, user in enumerate(users):
            followers, following = raw[2 * n]
            if followers is not None and following is not None:
                found[user] = Counts(followers=int(followers), following=int(following))
            else:
                generations[user] = raw[2 * n + 1] or b""
        CACHE_LOOKUPS.labels("counts", "hit").inc(len(found))
        if not generations:
            return found
        CACHE_LOOKUPS.labels("counts", "miss").inc(len(generations))
        loaded = await load(list(generations))
        found.update(loaded)
        try:
            pipe = self.redis.pipeline(transaction=False)
            for user, counts in loaded.items():
                await self._fill_counts(
                    keys=[redis_keys.graph_generation(user), redis_keys.graph_counts(user)],
                    args=[generations[user], counts.followers, counts.following, self.ttl_seconds],
                    client=pipe,
                )
            await pipe.execute()
        except RedisError as exc:
            log.warning("could not fill the counts cache", extra={"error": str(exc)})
        return found

    async def follower_ids(
        self, author_id: int, after_id: int | None, limit: int, load_all: FollowerLoader
    ) -> tuple[list[int], int] | None:
        if author_id in self.pending:
            return None
        key = redis_keys.graph_followers(author_id)
        low = b"(" + (_member(after_id) if after_id is not None else _SENTINEL)
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.zrange(key, low, b"+", bylex=True, offset=0, num=limit)
            pipe.zcard(key)
            pipe.get(redis_keys.graph_generation(author_id))
            members, size, generation = await pipe.execute()
        except RedisError as exc:
            log.warning("graph cache unavailable; reading followers from PostgreSQL", extra={"error": str(exc)})
            return None
        if size:
            CACHE_LOOKUPS.labels("followers", "hit").inc()
            return [int(m) for m in members], size - 1
        CACHE_LOOKUPS.labels("followers", "miss").inc()
        every = await load_all()
        if every is None:
            return None
        every.sort()
        await self._store_followers(author_id, every, generation or b"")
        start = 0 if after_id is None else bisect.bisect_right(every, after_id)
        return every[start : start + limit], len(every)

    async def _store_followers(self, author_id: int, follower_ids: list[int], generation: bytes) -> None:
        """Stages the whole set under a private key, then publishes it only if no change came in meanwhile."""
        staged = redis_keys.graph_followers_staged(author_id, uuid.uuid4().hex)
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.zadd(staged, {_SENTINEL: 0})
            for start in range(0, len(follower_ids), _FILL_CHUNK):
                pipe.zadd(staged, {_member(f): 0 for f in follower_ids[start : start + _FILL_CHUNK]})
            pipe.expire(staged, 60)
            await pipe.execute()
            await self._publish_followers(
                keys=[redis_keys.graph_generation(author_id), staged, redis_keys.graph_followers(author_id)],
                args=[generation, self.ttl_seconds],
            )
        except RedisError as exc:
            log.warning("could not fill the followers cache", extra={"error": str(exc)})

    def mark_pending(self, user_ids: Sequence[int]) -> None:
        self.pending.update(user_ids)
        PENDING_INVALIDATIONS.set(len(self.pending))

    async def invalidate(self, user_ids: Sequence[int]) -> bool:
        """After a committed change: a fresh generation for each user and their cached values dropped, with those of
        earlier invalidations Redis did not take."""
        users = sorted(set(user_ids) | self.pending)
        if not users:
            return True
        try:
            async with self.redis.pipeline(transaction=False) as pipe:  # reset on the way out, failed or not
                for user in users:
                    # A fresh token, never a counter: an expired or evicted counter would restart at 1 and make an
                    # old version look current again to whoever cached it.
                    keys = [
                        redis_keys.graph_generation(user),
                        redis_keys.graph_counts(user),
                        redis_keys.graph_followers(user),
                    ]
                    await self._invalidate(keys=keys, args=[uuid.uuid4().hex, VERSION_TTL_SECONDS], client=pipe)
                await pipe.execute()
        except RedisError as exc:
            self.mark_pending(user_ids)
            log.warning("could not invalidate the graph cache; will retry", extra={"error": str(exc), "users": users})
            return False
        # Users added meanwhile by a failed invalidation that this one did not include stay pending.
        self.pending.difference_update(users)
        PENDING_INVALIDATIONS.set(len(self.pending))
        return True

    async def invalidate_pending(self) -> None:
        """Tries the invalidations Redis did not take again (a no-op when there are none)."""
        if self.pending:
            await self.invalidate([])
