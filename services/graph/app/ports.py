"""What the use cases need from the outside world, as Protocols; adapters/ implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from services.graph.domain.model import Counts, GraphEvent, Link, Profile, Relationship, Standing


class UserDirectory(Protocol):
    """The accounts the auth service knows (cached)."""

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, Profile]:
        """The profiles found; unknown ids are absent."""
        ...


class HandleSearch(Protocol):
    """Accounts by handle prefix, from the auth service, which owns handles and their rules."""

    async def by_handle_prefix(self, prefix: str, after_handle: str, limit: int) -> list[Profile]:
        """Up to `limit` accounts whose handle starts with `prefix` and sorts after `after_handle`, in handle order;
        InvalidArgument when the prefix cannot start a handle."""
        ...


class GraphTx(Protocol):
    """One transaction's view of the graph. Every write also keeps the counts; `emit` writes to the outbox."""

    async def lock_pair(self, a: int, b: int) -> None:
        """Serializes every change between two users (either direction) until the transaction ends."""
        ...

    async def link(self, follower_id: int, followee_id: int) -> Link: ...

    async def blocked_either(self, a: int, b: int) -> bool: ...

    async def add_follow(self, follower_id: int, followee_id: int) -> bool:
        """Inserts the follow and bumps both counts; False when it already existed."""
        ...

    async def remove_follows(self, pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Deletes those (follower, followee) follows that exist, adjusts the counts, returns the deleted."""
        ...

    async def add_request(self, requester_id: int, target_id: int) -> bool: ...

    async def remove_requests(self, pairs: Sequence[tuple[int, int]]) -> int: ...

    async def add_block(self, blocker_id: int, blocked_id: int) -> bool: ...

    async def remove_block(self, blocker_id: int, blocked_id: int) -> bool: ...

    async def add_close_friend(self, owner_id: int, friend_id: int) -> bool: ...

    async def remove_close_friends(self, pairs: Sequence[tuple[int, int]]) -> int: ...

    async def emit(self, key: int, event: GraphEvent) -> None: ...

    async def log_invalidation(self, user_ids: Sequence[int]) -> list[int]:
        """Writes these users to the cache invalidation log (InvalidationLog) with the change; the entries' ids."""
        ...


class InvalidationLog(Protocol):
    """The log of cache invalidations each change writes in its transaction, read outside any transaction."""

    async def remove(self, entry_ids: Sequence[int]) -> None:
        """Drops entries whose invalidation Redis took."""
        ...

    async def older_than(self, seconds: float, limit: int) -> list[tuple[int, int]]:
        """(entry id, user id) of up to `limit` entries written more than `seconds` ago, oldest first."""
        ...

    async def users(self) -> list[int]:
        """Every user with an entry."""
        ...


class Invalidator(Protocol):
    """Invalidates users' caches after a committed change (app.invalidations)."""

    async def after_commit(self, user_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        """`entry_ids`: the change's log entries for these users, removed once Redis took the invalidation."""
        ...


class GraphUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[GraphTx]: ...


class GraphReader(Protocol):
    """Reads outside any transaction."""

    async def counts(self, user_ids: Sequence[int]) -> dict[int, Counts]:
        """Counts of every id asked (0/0 for users without follows)."""
        ...

    async def followers_page(self, user_id: int, before_seq: int | None, limit: int) -> list[tuple[int, int]]:
        """(seq, follower id), newest first."""
        ...

    async def following_page(self, user_id: int, before_seq: int | None, limit: int) -> list[tuple[int, int]]:
        """(seq, followee id), newest first."""
        ...

    async def requests_page(self, target_id: int, after_seq: int | None, limit: int) -> list[tuple[int, int]]:
        """(seq, requester id), oldest first."""
        ...

    async def follower_ids(self, author_id: int, after_id: int | None, limit: int | None) -> list[int]:
        """Follower ids above `after_id`, ascending; all of them when `limit` is None."""
        ...

    async def close_friend_ids(self, owner_id: int) -> list[int]:
        """Everyone on the owner's close-friends list, ascending."""
        ...

    async def followees_with_counts(self, user_id: int) -> list[tuple[int, int, bool]]:
        """(followee id, its follower count, whether the user is on the followee's close-friends list) for everyone
        the user follows."""
        ...

    async def relationships(self, viewer_id: int, author_ids: Sequence[int]) -> dict[int, Relationship]:
        """The viewer's relationship to each author, in one round trip."""
        ...

    async def audience(self, author_id: int, viewer_ids: Sequence[int]) -> dict[int, Relationship]:
        """Each viewer's relationship to the author, in one round trip."""
        ...

    async def standing(self, caller_id: int, user_id: int) -> Standing:
        """What the caller and the user are to each other, in one round trip."""
        ...


FollowerLoader = Callable[[], Awaitable[list[int] | None]]
CountsLoader = Callable[[Sequence[int]], Awaitable[dict[int, Counts]]]


class CacheInvalidation(Protocol):
    """Invalidating the graph's caches; users whose invalidation Redis refused stay pending until one succeeds."""

    async def invalidate(self, user_ids: Sequence[int]) -> bool:
        """New generations and dropped values for these users and any left pending; False when Redis did not take
        it (they stay pending, answered from PostgreSQL, and are retried)."""
        ...

    def mark_pending(self, user_ids: Sequence[int]) -> None:
        """Treats these users' cached values as unknown until an invalidation of them succeeds."""
        ...

    async def invalidate_pending(self) -> None: ...


class GraphCache(CacheInvalidation, Protocol):
    """Read-through caches of counts and follower id sets, invalidated after every committed change."""

    async def counts(self, user_ids: Sequence[int], load: CountsLoader) -> dict[int, Counts]: ...

    async def follower_ids(
        self, author_id: int, after_id: int | None, limit: int, load_all: FollowerLoader
    ) -> tuple[list[int], int] | None:
        """A page of follower ids above `after_id` and the total count, from the cached set; on a miss `load_all`
        gives the whole set to cache (or None when it is too large to cache, and then so is the answer)."""
        ...

    async def relationship_version(self, user_id: int) -> str:
        """The user's current relationship version (services.common.relationship_version); "" when unknown."""
