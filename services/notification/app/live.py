"""The live stream of a caller's new notifications: a first message at once (the unread count: the client knows it
is connected), then each notification as it is written, and a heartbeat after a quiet `heartbeat_seconds`."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from services.notification.app.ports import Actor, LiveFeed, UnreadCounters, Users
from services.notification.domain.model import Notification

_REMEMBERED = 256  # ids already pushed on a stream, so a redelivered notification is pushed once


@dataclass(frozen=True)
class LiveMessage:
    notification: Notification | None  # None: a heartbeat
    actor: Actor | None
    unread_count: int


class LiveStreams:
    def __init__(self, live: LiveFeed, unread: UnreadCounters, users: Users, *, heartbeat_seconds: float):
        self.live = live
        self.unread = unread
        self.users = users
        self.heartbeat_seconds = heartbeat_seconds

    async def stream(self, recipient_id: int) -> AsyncIterator[LiveMessage]:
        async with self.live.subscribe(recipient_id) as subscription:
            yield LiveMessage(None, None, await self.unread.count(recipient_id))
            pushed: deque[int] = deque(maxlen=_REMEMBERED)
            while True:
                notification = await subscription.next(self.heartbeat_seconds)
                if notification is None:
                    yield LiveMessage(None, None, await self.unread.count(recipient_id))
                    continue
                if notification.id in pushed:
                    continue
                pushed.append(notification.id)
                actors = await self.users.actors([notification.actor_id])
                count = await self.unread.count(recipient_id)
                yield LiveMessage(notification, actors.get(notification.actor_id), count)
