"""Concurrent changes keep the graph and its counts consistent: duplicates collapse to one follow (and one event),
many followers of one author count exactly, and a block racing follows never leaves a follow across it."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2 as internal_pb
from feedmesh.graph.v1 import graph_service_pb2 as pb

from tests.integration.graph.conftest import Mesh, as_user
from tests.integration.graph.test_relationships import counts, follow


async def test_duplicate_follows_count_once(mesh: Mesh, pg_conn: Any) -> None:
    alice, bob = await mesh.new_users(2)
    states = await asyncio.gather(*(follow(mesh, alice, bob) for _ in range(10)))
    assert set(states) == {pb.FOLLOWING}
    assert await counts(mesh, bob) == (1, 0)
    assert await counts(mesh, alice) == (0, 1)
    events = await pg_conn.fetchval(
        "SELECT count(*) FROM outbox WHERE producer = 'graph' AND msg_key = $1", str(alice).encode()
    )
    assert events == 1


async def test_many_followers_at_once(mesh: Mesh) -> None:
    author = await mesh.new_user()
    fans = await mesh.new_users(20)
    await asyncio.gather(*(follow(mesh, f, author) for f in fans))
    await asyncio.gather(
        *(mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=author), metadata=as_user(f)) for f in fans[:5])
    )
    assert await counts(mesh, author) == (15, 0)
    page = await mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=author))
    assert sorted(page.follower_ids) == sorted(fans[5:]) and page.follower_count == 15


async def test_a_block_racing_follows_wins(mesh: Mesh) -> None:
    alice, bob = await mesh.new_users(2)

    async def try_follow(a: int, b: int) -> None:
        try:
            await follow(mesh, a, b)
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.PERMISSION_DENIED

    block = mesh.graph.BlockUser(pb.BlockUserRequest(user_id=bob), metadata=as_user(alice))
    await asyncio.gather(block, *(try_follow(a, b) for a, b in [(alice, bob), (bob, alice)] * 5))
    assert await counts(mesh, alice) == (0, 0)
    assert await counts(mesh, bob) == (0, 0)
