"""Post tombstones: how a service that caches post content learns, on the next read, that a post was deleted.

Post content never changes after it is written (only deletion does), so readers such as the timeline keep posts in
memory and ask only "which of these are deleted?". The post service owns the answer, a Redis set in the shared
Redis of every deleted post id plus a sentinel member:

- DeletePost adds the id after its transaction commits and before it returns (and the post.deleted event is a
  second, at-least-once way in: readers that consume it add the id too);
- the set is built from PostgreSQL when it is missing (at the post service's start, or when an add finds it gone),
  so its presence, shown by the sentinel, means it is complete;
- a reader that finds no sentinel (the set was evicted or not built yet) does not know, and asks the post service.

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


async def add_if_present(redis: Redis, post_ids: Sequence[int], key: str = KEY) -> bool:
    """Adds the ids to the set if it is complete; False when it is missing (the owner must rebuild it)."""
    if not post_ids:
        return True
    script = redis.register_script(_add_if_present_source())
    return bool(await script(keys=[key], args=[SENTINEL, *post_ids]))


async def deleted_among(redis: Redis | RedisMux, post_ids: Sequence[int], key: str = KEY) -> set[int] | None:
    """The deleted posts among `post_ids`; None when the set is missing (unknown: ask the post service)."""
    if isinstance(redis, RedisMux):
        flags = await redis.execute(*deleted_among_command(post_ids, key))
    else:
        flags = await redis.smismember(key, [SENTINEL, *post_ids])
    return deleted_from_reply(post_ids, flags)


def deleted_among_command(post_ids: Sequence[int], key: str = KEY) -> list[str | int]:
    """The command `deleted_among` sends, for a caller that sends it with others in one round trip."""
    return ["SMISMEMBER", key, SENTINEL, *post_ids]


def deleted_from_reply(post_ids: Sequence[int], flags: Sequence[int]) -> set[int] | None:
    """`deleted_among`'s answer from the reply to its command."""
    if not flags[0]:
        return None
    return {p for p, deleted in zip(post_ids, flags[1:], strict=True) if deleted}


async def rebuild(redis: Redis, deleted_ids: Sequence[int]) -> None:
    """Replaces the set with these ids (every deleted post) and the sentinel, atomically."""
    staged = redis_keys.POST_TOMBSTONES_STAGED
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(staged)
        for start in range(0, len(deleted_ids), 10_000):
            pipe.sadd(staged, *deleted_ids[start : start + 10_000])
        pipe.sadd(staged, SENTINEL)
        pipe.rename(staged, KEY)
        await pipe.execute()
