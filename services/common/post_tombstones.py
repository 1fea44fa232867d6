"""Post tombstones: how a service that caches post content learns, on the next read, that a post was deleted.

Post content never changes after it is written (only deletion does), so readers such as the timeline keep posts in
memory and ask only "which of these are deleted?". The post service owns the answer, a Redis sorted set of the
posts deleted recently, each scored by when its deletion was marked (seconds since the epoch), plus a sentinel
member scored +inf:

- DeletePost adds the id after its transaction commits and before it returns (and the post.deleted event is a
  second, at-least-once way in: readers that consume it add the id too);
- the set is built from PostgreSQL when it is missing (at the post service's start, or when an add finds it gone),
  so its presence, shown by the sentinel, means it is complete for the retention window;
- a reader that finds no sentinel (the set was evicted or not built yet) does not know, and asks the post service;
- the post service trims tombstones older than the window (services.common.tombstone_retention): readers keep a
  post no longer than their caches' maximum age, so no reader still holds a post whose tombstone went.

Members are ids in plain decimal: the timeline's home-window script checks them in Lua, in the read's round trip.
"""

from __future__ import annotations

import functools
import pathlib
from collections.abc import Sequence

from redis.asyncio import Redis

from services.common import redis_keys
from services.common.redis_mux import RedisMux

KEY = redis_keys.POST_TOMBSTONES
SENTINEL = "0"  # no post has id 0


@functools.cache
def _add_if_present_source() -> str:
    """lua/add_tombstones_if_present.lua, read on first use (never at import)."""
    return (pathlib.Path(__file__).parent / "lua" / "add_tombstones_if_present.lua").read_text()


async def add_if_present(redis: Redis, post_ids: Sequence[int], marked_at: float, key: str = KEY) -> bool:
    """Adds the ids, marked at `marked_at`, if the set is complete; False when it is missing (the owner must
    rebuild it)."""
    if not post_ids:
        return True
    script = redis.register_script(_add_if_present_source())
    return bool(await script(keys=[key], args=[SENTINEL, repr(float(marked_at)), *post_ids]))


async def deleted_among(redis: Redis | RedisMux, post_ids: Sequence[int], key: str = KEY) -> set[int] | None:
    """The deleted posts among `post_ids`; None when the set is missing (unknown: ask the post service)."""
    if isinstance(redis, RedisMux):
        flags = await redis.execute(*deleted_among_command(post_ids, key))
    else:
        flags = await redis.execute_command(*deleted_among_command(post_ids, key))
    return deleted_from_reply(post_ids, flags)


def deleted_among_command(post_ids: Sequence[int], key: str = KEY) -> list[str | int]:
    """The command `deleted_among` sends, for a caller that sends it with others in one round trip."""
    return ["ZMSCORE", key, SENTINEL, *post_ids]


def deleted_from_reply(post_ids: Sequence[int], scores: Sequence[object]) -> set[int] | None:
    """`deleted_among`'s answer from the reply to its command (a score, or nil for an id not there)."""
    if not scores[0]:
        return None
    return {p for p, score in zip(post_ids, scores[1:], strict=True) if score}


async def rebuild(redis: Redis, deleted: Sequence[tuple[int, float]], key: str = KEY) -> None:
    """Completes the set with these (id, marked at) pairs, every post deleted within the window, and the sentinel,
    atomically. Merged into what the set holds, never replacing it: a concurrent rebuild that read PostgreSQL
    earlier must not drop a tombstone another mark added meanwhile."""
    staged = f"{key}:staged"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(staged)
        for start in range(0, len(deleted), 10_000):
            pipe.zadd(staged, {str(post_id): at for post_id, at in deleted[start : start + 10_000]})
        pipe.zadd(staged, {SENTINEL: float("inf")})
        pipe.zunionstore(key, [staged, key], aggregate="MAX")
        pipe.delete(staged)
        await pipe.execute()


async def trim(redis: Redis, before: float, key: str = KEY) -> int:
    """Removes the tombstones marked before `before` (never the sentinel); how many went."""
    return int(await redis.zremrangebyscore(key, "-inf", f"({before!r}"))


async def size(redis: Redis, key: str = KEY) -> int | None:
    """How many tombstones the set holds; None when it is missing."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zscore(key, SENTINEL)
        pipe.zcard(key)
        present, count = await pipe.execute()
    return None if present is None else int(count) - 1
