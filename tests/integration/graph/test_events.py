"""Every graph change reaches Kafka topic feedmesh.graph through the outbox, keyed by the acting user, in order."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from feedmesh.events.v1 import events_pb2
from feedmesh.graph.v1 import graph_service_pb2 as pb
from kafka import TopicPartition

from stack.settings import StackSettings
from tests.integration.graph.conftest import Mesh, as_user
from tests.integration.graph.test_relationships import follow
from tests.integration.kafka_reading import end_offsets, reader

TOPIC = "feedmesh.graph"


def _describe(event: events_pb2.Event) -> tuple[Any, ...]:
    kind = event.WhichOneof("payload")
    body = getattr(event, str(kind))
    return (kind, *(value for _field, value in body.ListFields()))


def _read(
    settings: StackSettings, start: dict[TopicPartition, int], keys: set[int], count: int, timeout: float
) -> dict[int, list[tuple[Any, ...]]]:
    """The events keyed by `keys` after `start`, per key in log order, deduplicated by event id. Once `count`
    arrived it listens one second more, so an unexpected extra event shows."""
    consumer = reader(settings)
    wanted = {str(k).encode(): k for k in keys}
    seen: set[str] = set()
    found: dict[int, list[tuple[Any, ...]]] = {k: [] for k in keys}
    try:
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        deadline = time.monotonic() + timeout
        settled = False
        while time.monotonic() < deadline:
            if len(seen) >= count and not settled:
                settled, deadline = True, time.monotonic() + 1.0
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.key not in wanted:
                        continue
                    event = events_pb2.Event.FromString(record.value)
                    if event.event_id in seen:
                        continue
                    seen.add(event.event_id)
                    found[wanted[record.key]].append(_describe(event))
    finally:
        consumer.close()
    return found


async def test_graph_changes_are_published_in_order(mesh: Mesh, stack_settings: StackSettings) -> None:
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
    total = sum(len(events) for events in expected.values())
    found = await asyncio.to_thread(_read, stack_settings, start, set(expected), total, 30.0)
    assert found == expected
