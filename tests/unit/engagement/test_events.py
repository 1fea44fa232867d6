"""A like's event row notifies the relay through PostgreSQL only when this process's relay is not the one publishing
(that one is woken in-process once the like commits)."""

from __future__ import annotations

from typing import Any

from services.common.outbox import NOTIFY_CHANNEL
from services.common.visibility import Visibility
from services.engagement.adapters.events import OutboxEngagementEvents
from services.engagement.domain.model import PostRef

POST = PostRef(7, 3, Visibility.PUBLIC)


class FakeRelay:
    def __init__(self, leading: bool) -> None:
        self.leading = leading
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


def test_the_leading_relay_is_woken_instead_of_notified() -> None:
    relay: Any = FakeRelay(leading=True)
    events = OutboxEngagementEvents(relay)
    assert events.liked(POST, 5).channel is None and events.unliked(POST, 5).channel is None
    events.committed()
    assert relay.wakes == 1


def test_another_process_relay_is_notified() -> None:
    events = OutboxEngagementEvents(FakeRelay(leading=False))  # type: ignore[arg-type]
    row = events.liked(POST, 5)
    assert row.channel == NOTIFY_CHANNEL and row.args()[-1] == NOTIFY_CHANNEL and row.msg_key == b"7"
