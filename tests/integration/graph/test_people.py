"""GetRelationship and SearchUsers against the real stack (graph and auth in-process): every fact of a relationship
as it changes, handle search by prefix with paging, accounts blocked either way left out, and bad input refused
with INVALID_ARGUMENT."""

from __future__ import annotations

import uuid

import grpc
import pytest
from feedmesh.graph.v1 import graph_service_pb2 as pb

from tests.integration.graph.conftest import Mesh, as_user
from tests.integration.graph.test_relationships import UNKNOWN_USER, follow, status_of

FACTS = ("following", "requested", "followed_by", "blocking", "close_friend", "private")


async def relationship(mesh: Mesh, caller: int, user: int) -> set[str]:
    reply = await mesh.graph.GetRelationship(pb.GetRelationshipRequest(user_id=user), metadata=as_user(caller))
    assert reply.user_id == user
    return {fact for fact in FACTS if getattr(reply, fact)}


async def test_relationship_follows_every_change(mesh: Mesh) -> None:
    alice, bob = await mesh.new_user(), await mesh.new_user()
    assert await relationship(mesh, alice, bob) == set()
    await follow(mesh, alice, bob)
    assert await relationship(mesh, alice, bob) == {"following"}
    assert await relationship(mesh, bob, alice) == {"followed_by"}
    await follow(mesh, bob, alice)
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=bob), metadata=as_user(alice))
    assert await relationship(mesh, alice, bob) == {"following", "followed_by", "close_friend"}
    assert await relationship(mesh, bob, alice) == {"following", "followed_by"}
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=bob), metadata=as_user(alice))
    # a block removes the follows both ways and the close-friends entry; the blocked one is not told of the block
    assert await relationship(mesh, alice, bob) == {"blocking"}
    assert await relationship(mesh, bob, alice) == set()
    await mesh.graph.UnblockUser(pb.UnblockUserRequest(user_id=bob), metadata=as_user(alice))
    assert "blocking" not in await relationship(mesh, alice, bob)


async def test_relationship_with_a_private_account(mesh: Mesh) -> None:
    stranger, private = await mesh.new_user(), await mesh.new_user(private=True)
    assert await relationship(mesh, stranger, private) == {"private"}
    await follow(mesh, stranger, private)
    assert await relationship(mesh, stranger, private) == {"private", "requested"}
    await mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=stranger), metadata=as_user(private))
    assert await relationship(mesh, stranger, private) == {"private", "following"}


async def test_relationship_refuses_bad_input(mesh: Mesh) -> None:
    alice = await mesh.new_user()
    for user_id, code in [
        (alice, grpc.StatusCode.INVALID_ARGUMENT),
        (0, grpc.StatusCode.INVALID_ARGUMENT),
        (-3, grpc.StatusCode.INVALID_ARGUMENT),
        (UNKNOWN_USER, grpc.StatusCode.NOT_FOUND),
    ]:
        call = mesh.graph.GetRelationship(pb.GetRelationshipRequest(user_id=user_id), metadata=as_user(alice))
        assert await status_of(call) == code, user_id
    assert await status_of(mesh.graph.GetRelationship(pb.GetRelationshipRequest(user_id=alice))) == (
        grpc.StatusCode.UNAUTHENTICATED
    )


async def search(mesh: Mesh, caller: int, query: str, cursor: str = "", limit: int = 0) -> pb.SearchUsersResponse:
    request = pb.SearchUsersRequest(query=query, cursor=cursor, limit=limit)
    return await mesh.graph.SearchUsers(request, metadata=as_user(caller))


async def test_search_by_prefix_pages_in_handle_order(mesh: Mesh) -> None:
    prefix = f"s{uuid.uuid4().hex[:8]}"
    ids = [await mesh.new_user(prefix=prefix) for _ in range(5)]
    viewer = await mesh.new_user()
    await follow(mesh, ids[0], ids[1])
    first = await search(mesh, viewer, "@" + prefix.upper(), limit=3)  # case-insensitive, '@' allowed
    assert len(first.users) == 3 and first.next_cursor
    second = await search(mesh, viewer, prefix, cursor=first.next_cursor, limit=3)
    assert not second.next_cursor
    handles = [u.handle for u in [*first.users, *second.users]]
    assert handles == sorted(handles) and len(handles) == 5
    assert all(h.startswith(prefix + "_") for h in handles)
    assert {u.id for u in [*first.users, *second.users]} == set(ids)
    found = {u.id: u for u in [*first.users, *second.users]}
    assert found[ids[1]].follower_count == 1  # counts filled in, as GetUser gives them
    # '_' is a handle character, not a wildcard: "<prefix>_" matches, "<prefix>x" does not
    assert len((await search(mesh, viewer, prefix + "_")).users) == 5
    assert (await search(mesh, viewer, prefix + "x")).users == []


async def test_search_leaves_out_accounts_blocked_either_way(mesh: Mesh) -> None:
    prefix = f"b{uuid.uuid4().hex[:8]}"
    blocked, blocker, other = [await mesh.new_user(prefix=prefix) for _ in range(3)]
    viewer = await mesh.new_user()
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=blocked), metadata=as_user(viewer))
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=viewer), metadata=as_user(blocker))
    assert [u.id for u in (await search(mesh, viewer, prefix)).users] == [other]
    assert {u.id for u in (await search(mesh, other, prefix)).users} == {blocked, blocker, other}


@pytest.mark.parametrize("query", ["", "@", "a b", "al-ice", "é", "x" * 31, "a%", "a*"])
async def test_search_refuses_a_query_that_cannot_start_a_handle(mesh: Mesh, query: str) -> None:
    viewer = await mesh.new_user()
    assert await status_of(search(mesh, viewer, query)) == grpc.StatusCode.INVALID_ARGUMENT


async def test_search_refuses_bad_cursors_and_limits(mesh: Mesh) -> None:
    viewer = await mesh.new_user()
    assert await status_of(search(mesh, viewer, "g", cursor="not a cursor")) == grpc.StatusCode.INVALID_ARGUMENT
    # a well-formed cursor that names no stored handle
    assert await status_of(search(mesh, viewer, "g", cursor="eyJhZnRlcl9oYW5kbGUiOiJBIn0")) == (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    assert await status_of(search(mesh, viewer, "g", limit=-1)) == grpc.StatusCode.INVALID_ARGUMENT
    assert len((await search(mesh, viewer, "g", limit=1000)).users) <= 100
