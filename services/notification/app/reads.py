"""The caller's notifications: the list, the grouped view, the unread count, marking read. Reads ask no peer but
auth (the actors): what was taken away is already gone from the store. The notifications still pending in Redis
(visible before their rows are written) are merged in (domain/pending.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.common.errors import InvalidArgument
from services.common.pagination import cursor_int, decode_cursor, encode_cursor, page_limit
from services.notification.app.ports import Actor, NotificationStore, PendingNotifications, UnreadCounters, Users
from services.notification.domain.grouping import Group, GroupKey, group_key, served_before, summarize
from services.notification.domain.model import Notification
from services.notification.domain.pending import merge_members, merge_page

# The grouped view reads notifications in slices of this many, and at most this many slices per page: a page of a
# long run of one group may come back short, with a cursor to go on from.
_SCAN_SLICE = 200
_SCAN_SLICES = 10


@dataclass(frozen=True)
class Listed:
    notification: Notification
    actor: Actor | None
    read: bool


@dataclass(frozen=True)
class ListedGroup:
    group: Group
    actors: list[Actor]
    read: bool


def _bad_cursor() -> InvalidArgument:
    return InvalidArgument("cursor is malformed: pass nextCursor from the previous page", reason="BAD_CURSOR")


class Reads:
    def __init__(self, store: NotificationStore, pending: PendingNotifications, unread: UnreadCounters, users: Users):
        self.store = store
        self.pending = pending
        self.unread = unread
        self.users = users

    async def page(self, recipient_id: int, cursor: str, limit: int) -> tuple[list[Listed], str]:
        size = page_limit(limit)
        position = decode_cursor(cursor)
        if "top" in position:
            raise _bad_cursor()
        before = cursor_int(position, "before")
        stored, pending = await asyncio.gather(
            self.store.page(recipient_id, before, size + 1), self.pending.of(recipient_id)
        )
        found = merge_page(stored, pending, before, size + 1)
        more, found = len(found) > size, found[:size]
        marker = await self.unread.read_marker(recipient_id)
        actors = await self.users.actors([n.actor_id for n in found])
        listed = [Listed(n, actors.get(n.actor_id), n.id <= marker) for n in found]
        return listed, encode_cursor({"before": found[-1].id}) if more else ""

    async def groups(self, recipient_id: int, cursor: str, limit: int) -> tuple[list[ListedGroup], str]:
        size = page_limit(limit)
        position = decode_cursor(cursor)
        before, top = cursor_int(position, "before"), cursor_int(position, "top")
        if position and (before is None or top is None):
            raise _bad_cursor()
        groups: list[Group] = []
        seen: set[GroupKey] = set()
        scan_from = before
        pending = await self.pending.of(recipient_id)
        for _slice in range(_SCAN_SLICES):
            stored = await self.store.page(recipient_id, scan_from, _SCAN_SLICE)
            found = merge_page(stored, pending, scan_from, _SCAN_SLICE)
            top = found[0].id if top is None and found else top
            for n in found:
                scan_from = n.id
                key = group_key(n)
                if key in seen:
                    continue
                seen.add(key)
                stored_members = await self.store.group_members(recipient_id, key, top or n.id)
                members = merge_members(stored_members, pending, key, top or n.id)
                group = summarize(key, members)
                if group is not None and not served_before(members, before):
                    groups.append(group)
                if len(groups) == size:
                    break
            if len(groups) == size:
                break
            if len(found) < _SCAN_SLICE:
                return await self._listed_groups(recipient_id, groups), ""
        # A full page, or as much scanned as a page may: the next page goes on below the last notification read.
        cursor_out = encode_cursor({"before": scan_from, "top": top})
        return await self._listed_groups(recipient_id, groups), cursor_out

    async def _listed_groups(self, recipient_id: int, groups: list[Group]) -> list[ListedGroup]:
        marker = await self.unread.read_marker(recipient_id)
        actors = await self.users.actors([a for g in groups for a in g.actor_ids])
        return [ListedGroup(g, [actors[a] for a in g.actor_ids if a in actors], g.latest_id <= marker) for g in groups]

    async def unread_count(self, recipient_id: int) -> int:
        return await self.unread.count(recipient_id)

    async def mark_read(self, recipient_id: int, up_to_id: int) -> None:
        if up_to_id <= 0:
            raise InvalidArgument("upToId must be a notification id", reason="BAD_NOTIFICATION_ID")
        await self.unread.mark_read(recipient_id, up_to_id)
