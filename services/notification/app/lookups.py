"""The peer questions of a batch's mentions and close-friends posts, asked once for the whole batch: one auth call
for every handle, one post-service call for every commented post, a close-friends list per author, and one
visibility call per author and visibility (graph BatchCheckAudience, for every viewer the batch's posts of that
kind would notify) instead of one per notification."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.visibility import Visibility
from services.notification.app.ports import Graph, IngestMetrics, PostFacts, Posts, Users
from services.notification.domain import rules
from services.notification.domain.model import Draft, DropRule, Occurrence

Lookup = rules.MentionLookup | rules.CloseFriendsLookup


@dataclass
class _Asked:
    """One lookup with its recipients so far and the post they must be allowed to see."""

    occurrence: Occurrence
    lookup: Lookup
    recipients: list[int]
    post: PostFacts | None = None


@dataclass
class PeerLookups:
    users: Users
    graph: Graph
    posts: Posts
    metrics: IngestMetrics

    async def drafts(self, asked: Sequence[tuple[Occurrence, Lookup]]) -> list[Draft]:
        """The drafts of the lookups: each recipient who may see the post gets one."""
        if not asked:
            return []
        pending = [_Asked(occurrence, lookup, []) for occurrence, lookup in asked]
        await asyncio.gather(self._mentioned(pending), self._close_friends(pending))
        live = [(a, a.post) for a in pending if a.post is not None and a.recipients]
        visible = await self.graph.visible([(user, post) for a, post in live for user in a.recipients])
        out: list[Draft] = []
        for a, post in live:
            seen = [u for u in a.recipients if (u, post.post_id) in visible]
            if len(seen) < len(a.recipients):
                self.metrics.dropped(DropRule.NOT_VISIBLE, len(a.recipients) - len(seen))
            if isinstance(a.lookup, rules.MentionLookup):
                out += rules.mention_drafts(a.occurrence, a.lookup, seen)
            else:
                out += rules.close_friend_drafts(a.occurrence, a.lookup, seen)
        return out

    async def _mentioned(self, pending: list[_Asked]) -> None:
        mentions = [(a, a.lookup) for a in pending if isinstance(a.lookup, rules.MentionLookup)]
        handles = list(dict.fromkeys(h for _, lookup in mentions for h in lookup.handles))
        commented = list(dict.fromkeys(lookup.post_id for _, lookup in mentions if lookup.author_id is None))
        found, posts = await asyncio.gather(
            self.users.ids_by_handle(handles) if handles else _nothing_by_handle(),
            self.posts.live_posts(commented) if commented else _no_posts(),
        )
        for a, lookup in mentions:
            user_ids = list(lookup.user_ids)
            if lookup.handles:
                known = [found[h] for h in lookup.handles if h in found]
                if len(known) < len(lookup.handles):
                    self.metrics.dropped(DropRule.UNKNOWN_HANDLE, len(lookup.handles) - len(known))
                user_ids = known
            a.recipients = list(dict.fromkeys(user_ids))
            if lookup.author_id is not None and lookup.visibility is not None:
                a.post = PostFacts(lookup.post_id, lookup.author_id, lookup.visibility)
            else:
                a.post = posts.get(lookup.post_id)
            if a.post is None:
                self.metrics.dropped(DropRule.DELETED, len(a.recipients))

    async def _close_friends(self, pending: list[_Asked]) -> None:
        posts = [(a, a.lookup) for a in pending if isinstance(a.lookup, rules.CloseFriendsLookup)]
        authors = list(dict.fromkeys(lookup.author_id for _, lookup in posts))
        lists = await asyncio.gather(*(self.graph.close_friends(author) for author in authors))
        friends = dict(zip(authors, lists, strict=True))
        for a, lookup in posts:
            a.recipients = friends[lookup.author_id]
            a.post = PostFacts(lookup.post_id, lookup.author_id, Visibility.CLOSE_FRIENDS)


async def _nothing_by_handle() -> dict[str, int]:
    return {}


async def _no_posts() -> dict[int, PostFacts]:
    return {}
