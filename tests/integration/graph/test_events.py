"""Every graph change reaches Kafka topic feedmesh.graph through the outbox, keyed by the acting user, in order."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from feedmesh.events.internal.v1 import events_pb2
from feedmesh.graph.v1 import graph_service_pb2 as pb
from kafka import TopicPartition

from services.common.polling import wait_until, wait_until_sync
from stack.settings import StackSettings
from tests.integration.graph.conftest import Mesh, as_user
from tests.integration.graph.test_relationships import follow
from tests.integration.kafka_reading import end_offsets, reader

TOPIC = "feedmesh.graph"


def _describe(event: events_pb2.Event) -> tuple[Any, ...]:
    kind = event.WhichOneof("payload")
    body = getattr(event, str(kind))
    return (kind, *(value for _field, value in body.ListFields()))


async def _unsent(pg_conn: asyncpg.Connection, keys: set[int]) -> int:
    """The graph's outbox rows keyed by `keys` that are not in Kafka yet."""
    return int(
        await pg_conn.fetchval(
            "SELECT count(*) FROM outbox WHERE producer = 'graph' AND msg_key = ANY($1::bytea[]) AND sent_at IS NULL",
            [str(k).encode() for k in keys],
        )
    )


def _read(
    settings: StackSettings,
    start: dict[TopicPartition, int],
    ends: dict[TopicPartition, int],
    keys: set[int],
    timeout: float,
) -> dict[int, list[tuple[Any, ...]]]:
    """The events keyed by `keys` from `start` up to `ends`, per key in log order, deduplicated by event id."""
    consumer = reader(settings)
    wanted = {str(k).encode(): k for k in keys}
    seen: set[str] = set()
    found: dict[int, list[tuple[Any, ...]]] = {k: [] for k in keys}

    def read_to_the_ends() -> bool:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                if record.key not in wanted:
                    continue
                event = events_pb2.Event.FromString(record.value)
                if event.event_id in seen:
                    continue
                seen.add(event.event_id)
                found[wanted[record.key]].append(_describe(event))
        return all(consumer.position(partition) >= offset for partition, offset in ends.items())

    try:
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        wait_until_sync(read_to_the_ends, what=f"{TOPIC} read up to {ends}", within=timeout, interval=0)
    finally:
        consumer.close()
    return found


async def test_graph_changes_are_published_in_order(
    mesh: Mesh, stack_settings: StackSettings, pg_conn: asyncpg.Connection
) -> None:
    start = await asyncio.to_thread(end_offsets, stack_settings, TOPIC)
    alice, bob = await mesh.new_users(2)
    private = await mesh.new_user(private=True)

    await follow(mesh, alice, bob)
    await follow(mesh, alice, bob)  # no change: no event
    await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=bob), metadata=as_user(alice))
    await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=bob), metadata=as_user(alice))  # nothing
    await follow(mesh, alice, private)
    await mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=alice), metadata=as_user(private))
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=bob), metadata=as_user(alice))
    await mesh.graph.RemoveCloseFriend(pb.RemoveCloseFriendRequest(user_id=bob), metadata=as_user(alice))
    await follow(mesh, bob, alice)
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=bob), metadata=as_user(alice))
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=bob), metadata=as_user(alice))  # nothing

    expected: dict[int, list[tuple[Any, ...]]] = {
        alice: [
            ("user_followed", alice, bob),
            ("user_unfollowed", alice, bob),
            ("follow_requested", alice, private),
            ("close_friends_changed", alice, bob, True),
            ("close_friends_changed", alice, bob),  # added=False is proto3's default: not a listed field
            ("user_blocked", alice, bob),
        ],
        private: [("follow_request_approved", alice, private), ("user_followed", alice, private)],
        bob: [("user_followed", bob, alice)],
    }

    # Once the outbox has sent every row of these users, all their events are in the topic, below its end offsets
    # then: reading that far shows any event too many as well as any missing.
    async def all_sent() -> bool:
        return await _unsent(pg_conn, set(expected)) == 0

    await wait_until(all_sent, what="the graph outbox sent these users' events", within=30)
    ends = await asyncio.to_thread(end_offsets, stack_settings, TOPIC)
    found = await asyncio.to_thread(_read, stack_settings, start, ends, set(expected), 30.0)
    assert found == expected
