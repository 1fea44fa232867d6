"""Notifications are visible from Redis (the pending hash) before their rows are in Cassandra: reads list a
pending one once, before and after its rows are written; every one leaves the hash once written; losing the hash
(as a Redis restart would) loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

from feedmesh.notification.v1 import notification_service_pb2 as pb

from services.common import redis_keys
from services.common.redis_mux import RedisMux
from services.notification.adapters.cassandra_store import CassandraNotificationStore
from services.notification.adapters.redis_pending import RedisPending
from services.notification.domain import rules
from services.notification.domain.model import FollowChange, FollowStep, Kind, Occurrence
from tests.integration.notification.conftest import Mesh


async def test_a_pending_notification_is_listed_once_before_and_after_its_rows(
    mesh: Mesh, mux: RedisMux, store: CassandraNotificationStore
) -> None:
    a, b = await mesh.new_user(), await mesh.new_user()
    occurrence = Occurrence(str(uuid.uuid4()), int(time.time() * 1000), FollowChange(FollowStep.FOLLOWED, b.id, a.id))
    draft = rules.draft(occurrence, a.id, Kind.FOLLOW, b.id)
    pending = RedisPending(mux)

    async def views() -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        listed = [(n.id, n.actor.id) for n in await mesh.listing(a)]
        grouped = [(g.latest_id, g.actor_count) for g in await mesh.groups(a, limit=10)]
        return listed, grouped

    once = ([(draft.notification.id, b.id)], [(draft.notification.id, 1)])
    try:
        await pending.add([draft.notification])  # visible, no rows yet
        assert await views() == once
        await store.write([draft])  # rows written, not yet forgotten by Redis
        assert await views() == once
        await pending.forget([draft.notification])
        assert await views() == once
    finally:
        await store.delete([draft.notification])
        await pending.forget([draft.notification])
    assert await views() == ([], [])


async def test_every_notification_leaves_redis_once_written_even_when_redis_loses_it(mesh: Mesh, mux: RedisMux) -> None:
    a = await mesh.new_user()
    likers = [await mesh.new_user() for _ in range(8)]
    post = await mesh.new_post(a, "liked while the consumer is away")
    await mesh.settle()
    await mesh.stop_notification()
    try:
        for liker in likers:
            await mesh.like(liker, post)
        await mesh.published()
    finally:
        await mesh.start_notification()

    key = redis_keys.notification_pending(a.id)

    async def lose_pending() -> None:  # what a Redis restart does to the hash, over and over
        while True:
            await mux.execute("DEL", key)
            await asyncio.sleep(0.005)  # a pace, not a wait: no busy loop on the shared Redis

    losing = asyncio.create_task(lose_pending())
    try:
        await mesh.settle()
    finally:
        losing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await losing
    listed = [(n.kind, n.actor.id) for n in await mesh.listing(a)]
    assert sorted(listed) == sorted((pb.LIKE, liker.id) for liker in likers)
    assert await mesh.unread(a) == len(likers)

    await mesh.like(await mesh.new_user(), post)
    await mesh.settle()
    assert len(await mesh.listing(a)) == len(likers) + 1
    assert await mux.execute("HLEN", key) == 0  # forgotten once written
