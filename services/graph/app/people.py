"""The use cases a profile screen and a search box ask: where the caller stands with someone, and accounts found
by the start of their handle (mention completion, people search), without the accounts blocked either way."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.common.errors import InvalidArgument, NotFound
from services.common.pagination import decode_cursor, encode_cursor, page_limit
from services.graph.app.ports import GraphCache, GraphReader, HandleSearch, UserDirectory
from services.graph.domain import links
from services.graph.domain.model import Counts, Relationship, Standing, UserCard

# The stored form of a handle (auth's rule): a cursor naming anything else was not issued by us.
_STORED_HANDLE = re.compile(r"[a-z0-9_]{1,30}")
_MALFORMED = "cursor is malformed: pass nextCursor from the previous page"


@dataclass(frozen=True)
class RelationshipView:
    """The caller's standing with a user, and whether the user's account is private."""

    user_id: int
    standing: Standing
    private: bool


def _decode_after_handle(cursor: str) -> str:
    after = decode_cursor(cursor).get("after_handle", "")
    if not isinstance(after, str) or (after and not _STORED_HANDLE.fullmatch(after)):
        raise InvalidArgument(_MALFORMED, reason="BAD_CURSOR")
    return after


class People:
    def __init__(self, reader: GraphReader, cache: GraphCache, directory: UserDirectory, search: HandleSearch):
        self.reader = reader
        self.cache = cache
        self.directory = directory
        self.search = search

    async def relationship(self, caller_id: int, user_id: int) -> RelationshipView:
        links.check_other(caller_id, user_id, refusal="you have no relationship with yourself")
        profiles = await self.directory.get_many([user_id])
        if user_id not in profiles:
            raise NotFound(f"user {user_id} does not exist", reason="USER_NOT_FOUND")
        standing = await self.reader.standing(caller_id, user_id)
        return RelationshipView(user_id, standing, profiles[user_id].private)

    async def search_users(self, caller_id: int, query: str, cursor: str, limit: int) -> tuple[list[UserCard], str]:
        """A page of accounts whose handle starts with `query`, in handle order, with their counts. A page may hold
        fewer than `limit` accounts (those blocked either way are dropped after paging) and still have a next."""
        size, after = page_limit(limit), _decode_after_handle(cursor)
        found = await self.search.by_handle_prefix(query, after, size + 1)
        more, found = len(found) > size, found[:size]
        next_cursor = encode_cursor({"after_handle": found[-1].handle}) if more and found else ""
        others = [p.id for p in found if p.id != caller_id]
        relationships = await self.reader.relationships(caller_id, others) if others else {}
        shown = [p for p in found if not relationships.get(p.id, Relationship()).blocked]
        counts = await self.cache.counts([p.id for p in shown], self.reader.counts) if shown else {}
        return [UserCard(p, counts.get(p.id, Counts())) for p in shown], next_cursor
