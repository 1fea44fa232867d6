"""The use cases that read the graph: users with counts, follower and followee lists, and the internal id lists
that fanout and timeline reads page through."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.errors import NotFound
from services.common.pagination import page_limit
from services.graph.app.ports import GraphCache, GraphReader, UserDirectory
from services.graph.domain import paging, rules
from services.graph.domain.model import Counts, FolloweeSplit, FollowerIdsPage, Relationship, UserCard


class Queries:
    def __init__(
        self,
        reader: GraphReader,
        cache: GraphCache,
        directory: UserDirectory,
        *,
        celebrity_threshold: int,
        follower_cache_max_ids: int,
    ):
        self.reader = reader
        self.cache = cache
        self.directory = directory
        self.celebrity_threshold = celebrity_threshold
        self.follower_cache_max_ids = follower_cache_max_ids

    async def _counts(self, user_ids: Sequence[int]) -> dict[int, Counts]:
        return await self.cache.counts(user_ids, self.reader.counts)

    async def _cards(self, user_ids: Sequence[int]) -> list[UserCard]:
        """The users in the order given; users the auth service does not know are left out."""
        if not user_ids:
            return []
        profiles = await self.directory.get_many(user_ids)
        counts = await self._counts([u for u in user_ids if u in profiles])
        return [UserCard(profiles[u], counts.get(u, Counts())) for u in user_ids if u in profiles]

    async def get_user(self, user_id: int) -> UserCard:
        rules.check_user_id(user_id)
        cards = await self._cards([user_id])
        if not cards:
            raise NotFound(f"user {user_id} does not exist", reason="USER_NOT_FOUND")
        return cards[0]

    async def user_counts(self, user_ids: Sequence[int]) -> dict[int, Counts]:
        """The counts of every user asked (0 and 0 without follows), from the same cache as get_user's."""
        wanted = rules.check_counts_users(user_ids)
        return await self._counts(wanted) if wanted else {}

    async def _require_lists_visible(self, viewer_id: int, user_id: int) -> None:
        rules.check_user_id(user_id)
        profiles = await self.directory.get_many([user_id])
        if user_id not in profiles:
            raise NotFound(f"user {user_id} does not exist", reason="USER_NOT_FOUND")
        if viewer_id != user_id:
            relationship = (await self.reader.relationships(viewer_id, [user_id])).get(user_id, Relationship())
            rules.check_lists_visible(owner_private=profiles[user_id].private, relationship=relationship)

    async def list_followers(self, viewer_id: int, user_id: int, cursor: str, limit: int) -> tuple[list[UserCard], str]:
        size, before = page_limit(limit), paging.decode_before(cursor)
        await self._require_lists_visible(viewer_id, user_id)
        rows = await self.reader.followers_page(user_id, before, size + 1)
        return await self._page(rows, size)

    async def list_following(self, viewer_id: int, user_id: int, cursor: str, limit: int) -> tuple[list[UserCard], str]:
        size, before = page_limit(limit), paging.decode_before(cursor)
        await self._require_lists_visible(viewer_id, user_id)
        rows = await self.reader.following_page(user_id, before, size + 1)
        return await self._page(rows, size)

    async def _page(self, rows: list[tuple[int, int]], size: int) -> tuple[list[UserCard], str]:
        more, rows = len(rows) > size, rows[:size]
        cards = await self._cards([user_id for _seq, user_id in rows])
        return cards, paging.next_before([seq for seq, _user_id in rows], more)

    async def list_follow_requests(self, caller_id: int, cursor: str, limit: int) -> tuple[list[UserCard], str]:
        size, after = page_limit(limit), paging.decode_after(cursor)
        rows = await self.reader.requests_page(caller_id, after, size + 1)
        more, rows = len(rows) > size, rows[:size]
        cards = await self._cards([user_id for _seq, user_id in rows])
        return cards, paging.next_after([seq for seq, _user_id in rows], more)

    async def follower_ids(self, author_id: int, cursor: str, limit: int) -> FollowerIdsPage:
        """From the cached follower set when there is one; a miss loads and caches the whole set (unless it is
        larger than `follower_cache_max_ids`: then pages come straight from PostgreSQL's index)."""
        rules.check_user_id(author_id, field="author_id")
        size = page_limit(limit, default=rules.FOLLOWER_IDS_DEFAULT_LIMIT, maximum=rules.FOLLOWER_IDS_MAX_LIMIT)
        after = paging.decode_after(cursor)
        # The version first, as for followees: a listing that raced a change is then tagged with a version that is
        # already gone. A later page gets none: the caller reuses a listing as a whole or not at all.
        version = await self.cache.relationship_version(author_id) if after is None else ""

        async def load_all() -> list[int] | None:
            total = (await self.reader.counts([author_id]))[author_id].followers
            if total > self.follower_cache_max_ids:
                return None
            return await self.reader.follower_ids(author_id, None, None)

        cached = await self.cache.follower_ids(author_id, after, size + 1, load_all)
        if cached is not None:
            ids, total = cached
        else:
            ids = await self.reader.follower_ids(author_id, after, size + 1)
            total = (await self._counts([author_id]))[author_id].followers
        more, ids = len(ids) > size, ids[:size]
        return FollowerIdsPage(
            ids=ids,
            next_cursor=paging.next_after(ids, more),
            follower_count=total,
            celebrity=rules.is_celebrity(total, self.celebrity_threshold),
            version=version,
        )

    async def close_friend_ids(self, owner_id: int) -> list[int]:
        rules.check_user_id(owner_id, field="owner_id")
        return await self.reader.close_friend_ids(owner_id)

    async def followee_ids(self, user_id: int) -> FolloweeSplit:
        rules.check_user_id(user_id)
        # The version first: a change committed after this read replaces it, so an answer that raced a change is
        # never cached as current.
        version = await self.cache.relationship_version(user_id)
        followees = await self.reader.followees_with_counts(user_id)
        return rules.split_followees(followees, self.celebrity_threshold, version)
