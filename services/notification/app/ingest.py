"""Applies the inbound events: drafts become notifications when `rules.judge` allows, undos and deletions take
theirs away. Every step is idempotent, so a redelivered event changes nothing.

The "disappear" rules are applied at write time (rows are deleted) rather than filtered at read time: reads then
need no peer call, pages stay exact and full, and the unread count (a Redis set of ids) stays what the list
shows. Tombstones (a source's or a subject's removal time) make the order of arrival irrelevant: an event that
comes after the undo or the block that supersedes it is dropped by `judge`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.common.visibility import Visibility
from services.notification.app.ports import (
    Graph,
    IngestMetrics,
    LiveFeed,
    NotificationStore,
    PostFacts,
    Posts,
    UnreadCounters,
    Users,
)
from services.notification.domain import rules
from services.notification.domain.model import Draft, DropRule, Notification, Occurrence, SourceRemoval, SubjectRemoval


@dataclass
class Ingest:
    store: NotificationStore
    unread: UnreadCounters
    live: LiveFeed
    users: Users
    graph: Graph
    posts: Posts
    metrics: IngestMetrics
    clock: Callable[[], float] = time.time

    async def apply(self, occurrence: Occurrence) -> list[Notification]:
        """Applies one event; returns the notifications it wrote (already published to live streams)."""
        plan = rules.plan(occurrence)
        drafts = list(plan.drafts)
        if plan.mentions is not None:
            drafts += await self._mentions(occurrence, plan.mentions)
        if plan.close_friends is not None:
            drafts += await self._close_friends(occurrence, plan.close_friends)
        for subject_removal in plan.subject_removals:
            await self._remove_subject(subject_removal)
        for source_removal in plan.source_removals:
            await self._remove_source(source_removal)
        results = await asyncio.gather(*(self._write(d) for d in drafts))
        written = [n for n in results if n is not None]
        if written:
            await self.live.publish(written)
        return written

    async def _write(self, draft: Draft) -> Notification | None:
        n = draft.notification
        if n.actor_id == n.recipient_id:
            self.metrics.dropped(DropRule.OWN_ACTION)
            return None
        stored, tombstones = await asyncio.gather(
            self.store.sources(n.recipient_id, [draft.source]), self.store.tombstones(draft.subjects)
        )
        verdict = rules.judge(draft, stored.get(draft.source), tombstones)
        if verdict.dropped is not None:
            self.metrics.dropped(verdict.dropped)
            return None
        if verdict.replaces is not None:
            await self._delete_ids(n.recipient_id, [verdict.replaces])
        await self.store.write(draft)
        await self.unread.add(n.recipient_id, n.id)
        # A removal that ran concurrently (another member, another key of this batch) may have listed the rows
        # before these were written: look at the tombstones again, after the write.
        stored, tombstones = await asyncio.gather(
            self.store.sources(n.recipient_id, [draft.source]), self.store.tombstones(draft.subjects)
        )
        source = stored.get(draft.source)
        late = rules.judge(draft, rules.StoredSource(None, source.removed_at_ms if source else None), tombstones)
        if late.dropped is not None:
            await self._delete([n])
            self.metrics.dropped(late.dropped)
            return None
        self.metrics.written(n.kind, max(0.0, self.clock() - draft.occur_ms / 1000))
        return n

    async def _remove_source(self, removal: SourceRemoval) -> None:
        stored = (await self.store.sources(removal.recipient_id, [removal.source])).get(removal.source)
        target = rules.removal_target(stored, removal.at_ms)
        removed_at = max(removal.at_ms, stored.removed_at_ms or 0) if stored else removal.at_ms
        await self.store.remove_source(removal.recipient_id, removal.source, removed_at, unlink=target is not None)
        if target is not None:
            await self._delete_ids(removal.recipient_id, [target])
            self.metrics.removed(removal.source.split(":", 1)[0], 1)

    async def _remove_subject(self, removal: SubjectRemoval) -> None:
        await self.store.mark_subject_removed(removal.subject, removal.at_ms)
        members = [n for n in await self.store.subject_members(removal.subject) if rules.taken_by(removal, n.id)]
        await self._delete(members)
        if members:
            self.metrics.removed(removal.subject.split(":", 1)[0], len(members))

    async def _delete_ids(self, recipient_id: int, ids: Sequence[int]) -> None:
        found = await asyncio.gather(*(self.store.get(recipient_id, i) for i in ids))
        await self._delete([n for n in found if n is not None])

    async def _delete(self, notifications: Sequence[Notification]) -> None:
        if not notifications:
            return
        await self.store.delete(notifications)
        by_recipient: dict[int, list[int]] = {}
        for n in notifications:
            by_recipient.setdefault(n.recipient_id, []).append(n.id)
        await asyncio.gather(*(self.unread.remove(r, ids) for r, ids in by_recipient.items()))

    async def _mentions(self, occurrence: Occurrence, lookup: rules.MentionLookup) -> list[Draft]:
        user_ids = list(lookup.user_ids)
        if lookup.handles:
            found = await self.users.ids_by_handle(lookup.handles)
            if len(found) < len(lookup.handles):
                self.metrics.dropped(DropRule.UNKNOWN_HANDLE, len(lookup.handles) - len(found))
            user_ids = [found[h] for h in lookup.handles if h in found]
        user_ids = list(dict.fromkeys(user_ids))
        if lookup.author_id is not None and lookup.visibility is not None:
            post: PostFacts | None = PostFacts(lookup.post_id, lookup.author_id, lookup.visibility)
        else:
            post = await self.posts.live_post(lookup.post_id)
        if post is None:
            self.metrics.dropped(DropRule.DELETED, len(user_ids))
            return []
        visible = await self.graph.who_may_see(user_ids, post)
        hidden = [u for u in user_ids if u not in visible]
        if hidden:
            self.metrics.dropped(DropRule.NOT_VISIBLE, len(hidden))
        return rules.mention_drafts(occurrence, lookup, [u for u in user_ids if u in visible])

    async def _close_friends(self, occurrence: Occurrence, lookup: rules.CloseFriendsLookup) -> list[Draft]:
        friends = await self.graph.close_friends(lookup.author_id)
        post = PostFacts(lookup.post_id, lookup.author_id, Visibility.CLOSE_FRIENDS)
        visible = await self.graph.who_may_see(friends, post)
        if len(visible) < len(friends):
            self.metrics.dropped(DropRule.NOT_VISIBLE, len(friends) - len(visible))
        return rules.close_friend_drafts(occurrence, lookup, [f for f in friends if f in visible])
