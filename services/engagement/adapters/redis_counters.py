"""The hot counters in Redis (keys: services.common.redis_keys, engagement section), through the process's
pipelined RedisMux; the scripts are in lua/ beside this module.

Per post, three sets hold the member ids of its likes (user ids), comments and shares, each with a sentinel member
that says the set is complete; a count is SCARD - 1 and likedByMe is SISMEMBER. A post without its sets is not
cached: it is answered from PostgreSQL and rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.common import redis_keys
from services.common.engagement_version import replace_command
from services.common.redis_mux import RedisMux, RedisMuxError, RedisReplyError, Script, load_script
from services.common.tokens import unique_token
from services.engagement.app.ports import Actor, CachedCounts, CachedStats, CacheUnavailable, PostMembers
from services.engagement.domain.model import CounterKind, Counts, MemberChange

_SENTINEL = redis_keys.ENGAGEMENT_SENTINEL
_STAGE_CHUNK = 10_000
_STAGED_TTL_SECONDS = 300  # a rebuild that dies before publishing leaves no staged set behind for long
# A change is applied within its request (seconds after its commit): the orders of a row's changes need keeping only
# that long, with a wide margin.
_ORDER_TTL_SECONDS = 600
# Posts read per run of read_many.lua: a page in one run, a sweep's thousand in a few, each short for Redis.
_READ_CHUNK = 250


_SET_OF = {
    CounterKind.LIKES: redis_keys.engagement_likers,
    CounterKind.COMMENTS: redis_keys.engagement_comments,
    CounterKind.SHARES: redis_keys.engagement_shares,
}


def _keys(post_id: int) -> list[str]:
    """gen, likes, comments, shares: the order every script takes them in."""
    return [redis_keys.engagement_generation(post_id), *(_SET_OF[kind](post_id) for kind in CounterKind)]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisCounters:
    def __init__(self, redis: RedisMux, *, ttl_seconds: int):
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self._apply = load_script(__file__, "apply.lua")
        self._read_many = load_script(__file__, "read_many.lua")
        self._publish = load_script(__file__, "publish.lua")
        self._forget = load_script(__file__, "forget.lua")

    async def _run(self, script: Script, calls: Sequence[tuple[Sequence[Any], Sequence[Any]]]) -> list[Any]:
        try:
            return await self.redis.run_script_many(script, calls)
        except (RedisMuxError, RedisReplyError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def apply(self, change: MemberChange, actor: Actor | None = None) -> int | None:
        gen, *sets = _keys(change.post_id)
        keys = [gen, _SET_OF[change.kind](change.post_id), *sets, redis_keys.engagement_change_order(change.post_id)]
        order = "" if change.order is None else change.order
        field = f"{change.kind.value}:{change.member_id}"
        args = [_SENTINEL, change.member_id, int(change.present), unique_token(), self.ttl_seconds]
        args += [order, field, _ORDER_TTL_SECONDS]
        then = [replace_command(actor.user_id, sees_own_hidden=actor.sees_own_hidden)] if actor is not None else []
        try:
            count, *_ = await self.redis.run_scripts([(self._apply, keys, args)], then=then)
        except (RedisMuxError, RedisReplyError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc
        return None if count < 0 else int(count)

    async def _read(self, viewer_id: int, post_ids: Sequence[int]) -> list[Any]:
        """read_many.lua's reply per post, in order."""
        if not post_ids:
            return []
        viewer = viewer_id if viewer_id > 0 else _SENTINEL
        chunks = [post_ids[i : i + _READ_CHUNK] for i in range(0, len(post_ids), _READ_CHUNK)]
        runs = [([key for p in chunk for key in _keys(p)], [_SENTINEL, viewer]) for chunk in chunks]
        return [reply for replies in await self._run(self._read_many, runs) for reply in replies]

    async def stats(self, viewer_id: int, post_ids: Sequence[int]) -> dict[int, CachedStats]:
        replies = await self._read(viewer_id, post_ids)
        return {
            post_id: CachedStats(Counts(likes, comments, shares), bool(liked))
            for post_id, (_, likes, comments, shares, liked) in zip(post_ids, replies, strict=True)
            if likes >= 0
        }

    async def counts(self, post_ids: Sequence[int]) -> dict[int, CachedCounts]:
        replies = await self._read(0, post_ids)
        return {
            post_id: CachedCounts(Counts(likes, comments, shares) if likes >= 0 else None, _text(token))
            for post_id, (token, likes, comments, shares, _) in zip(post_ids, replies, strict=True)
        }

    async def publish(self, post_id: int, members: PostMembers, generation: str) -> bool:
        token = unique_token()
        staged = [redis_keys.engagement_staged(post_id, kind.value, token) for kind in CounterKind]
        commands: list[list[Any]] = []
        for key, ids in zip(staged, (members.likers, members.comment_ids, members.share_ids), strict=True):
            commands.append(["SADD", key, _SENTINEL])
            commands.extend(["SADD", key, *ids[i : i + _STAGE_CHUNK]] for i in range(0, len(ids), _STAGE_CHUNK))
            commands.append(["EXPIRE", key, _STAGED_TTL_SECONDS])
        try:
            await self.redis.execute_many(commands)
        except (RedisMuxError, RedisReplyError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc
        [published] = await self._run(self._publish, [([*_keys(post_id), *staged], [generation, self.ttl_seconds])])
        return bool(published)

    async def forget(self, post_ids: Sequence[int]) -> None:
        if post_ids:
            await self._run(self._forget, [(_keys(p), [unique_token(), self.ttl_seconds]) for p in post_ids])
