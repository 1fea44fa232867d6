"""The post events consumer, pipelined: a batch is handed back as soon as readers can see its posts, its rest (the
author's timeline in Cassandra) still running, and a deletion never overtakes the publications before it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest
from feedmesh.events.internal.v1 import events_pb2

from services.common.kafka_consumer import ConsumedEvent
from services.common.polling import WaitTimeout, wait_until
from services.timeline.adapters.inbound_events import PostEventsConsumer
from services.timeline.app.ports import StreamKind
from services.timeline.domain.fanout_plan import FanoutPolicy
from tests.unit.timeline.fakes import FakeCache, FakeQueue, FakeStore, FakeWorld
from tests.unit.timeline.timeline_rig import post_events

AUTHOR, FOLLOWER = 2, 10


class GatedStore(FakeStore):
    """The author's timeline in Cassandra: writes wait for the gate, and fail while `failing`."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.failing = False

    async def add_authored(self, author_id: int, post_id: int) -> None:
        await self.gate.wait()
        if self.failing:
            raise RuntimeError("Cassandra timed out")
        await super().add_authored(author_id, post_id)


def consumed(event: events_pb2.Event) -> ConsumedEvent[events_pb2.Event]:
    """As the consumer runtime hands it over: keyed by author."""
    return ConsumedEvent(event, str(AUTHOR).encode(), "feedmesh.posts", 0, 0, ())


def published(post_id: int) -> ConsumedEvent[events_pb2.Event]:
    event = events_pb2.Event(event_id=f"p{post_id}")
    event.post_published.post_id = post_id
    event.post_published.author_id = AUTHOR
    return consumed(event)


def deleted(post_id: int) -> ConsumedEvent[events_pb2.Event]:
    event = events_pb2.Event(event_id=f"d{post_id}")
    event.post_deleted.post_id = post_id
    event.post_deleted.author_id = AUTHOR
    return consumed(event)


async def rig() -> tuple[PostEventsConsumer, FakeCache, GatedStore]:
    world, cache, store = FakeWorld(threshold=100), FakeCache({"h": 10, "a": 10}), GatedStore()
    world.follows[FOLLOWER].add(AUTHOR)
    cache.active.add(FOLLOWER)
    for reader in (AUTHOR, FOLLOWER):  # both home timelines are cached (and empty)
        token = await cache.begin_fill(StreamKind.HOME, reader)
        assert token is not None
        await cache.commit_fill(StreamKind.HOME, reader, token, [], complete=True)
    return PostEventsConsumer(post_events(cache, store, world, FakeQueue(), FanoutPolicy())), cache, store


async def home(cache: FakeCache, reader: int) -> list[int]:
    window = await cache.read(StreamKind.HOME, reader, None, 10)
    assert window is not None
    return window.ids


async def test_a_batch_is_handed_back_once_visible_and_its_rest_finishes_the_write() -> None:
    consumer, cache, store = await rig()
    rest: Any = await asyncio.wait_for(consumer([published(100)]), 5)
    assert await home(cache, FOLLOWER) == [100]  # pushed before the author's timeline is written
    assert not rest.done() and store.authored[AUTHOR] == set()
    store.gate.set()
    await asyncio.wait_for(rest, 5)
    assert store.authored[AUTHOR] == {100}


async def test_a_deletion_waits_for_the_unfinished_publication_before_it() -> None:
    consumer, _cache, store = await rig()
    first: Any = await asyncio.wait_for(consumer([published(100)]), 5)
    second = asyncio.ensure_future(consumer([deleted(100)]))
    # A negative check: given 50 ms, a deletion that did not wait would have finished.
    with pytest.raises(WaitTimeout):
        await wait_until(second.done, what="the deletion to finish while the publication writes", within=0.05)
    store.gate.set()
    rest: Awaitable[None] = await asyncio.wait_for(second, 5)
    await rest
    await first
    assert store.authored[AUTHOR] == set()  # deleted after it was written, not before


async def test_a_deletion_after_a_failed_publication_fails_too() -> None:
    consumer, _cache, store = await rig()
    store.failing = True
    first: Any = await asyncio.wait_for(consumer([published(100)]), 5)
    store.gate.set()
    with pytest.raises(RuntimeError):  # both batches run again, in order
        await consumer([deleted(100)])
    with pytest.raises(RuntimeError):
        await first
