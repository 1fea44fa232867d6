"""Every public RPC of GraphService and its error cases, against the real stack with auth in-process."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from feedmesh.graph.internal.v1 import graph_internal_service_pb2 as internal_pb
from feedmesh.graph.v1 import graph_service_pb2 as pb
from feedmesh.post.v1 import visibility_pb2

from tests.integration.graph.conftest import Mesh, as_user

UNKNOWN_USER = 9_000_000_000_000_000_000 - 7


async def status_of(call: Awaitable[Any]) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code()


async def counts(mesh: Mesh, user_id: int) -> tuple[int, int]:
    user = await mesh.graph.GetUser(pb.GetUserRequest(user_id=user_id), metadata=as_user(user_id))
    return user.follower_count, user.following_count


async def follower_ids(mesh: Mesh, user_id: int) -> list[int]:
    page = await mesh.graph.ListFollowers(
        pb.ListFollowersRequest(user_id=user_id, limit=100), metadata=as_user(user_id)
    )
    return [u.id for u in page.users]


async def following_ids(mesh: Mesh, user_id: int) -> list[int]:
    page = await mesh.graph.ListFollowing(
        pb.ListFollowingRequest(user_id=user_id, limit=100), metadata=as_user(user_id)
    )
    return [u.id for u in page.users]


async def follow(mesh: Mesh, follower: int, followee: int) -> int:
    response = await mesh.graph.FollowUser(pb.FollowUserRequest(user_id=followee), metadata=as_user(follower))
    return int(response.state)


async def test_get_user(mesh: Mesh) -> None:
    alice = await mesh.new_user()
    user = await mesh.graph.GetUser(pb.GetUserRequest(user_id=alice), metadata=as_user(alice))
    assert user.id == alice and user.handle.startswith("g_") and not user.private
    assert user.create_time.seconds > 0
    assert (user.follower_count, user.following_count) == (0, 0)
    assert await status_of(mesh.graph.GetUser(pb.GetUserRequest(user_id=UNKNOWN_USER), metadata=as_user(alice))) == (
        grpc.StatusCode.NOT_FOUND
    )
    assert await status_of(mesh.graph.GetUser(pb.GetUserRequest(user_id=alice))) == grpc.StatusCode.UNAUTHENTICATED


async def test_get_current_user_is_the_callers_own_account_with_counts(mesh: Mesh) -> None:
    alice, bob = await mesh.new_users(2)
    await follow(mesh, bob, alice)
    me = await mesh.graph.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=as_user(alice))
    assert me == await mesh.graph.GetUser(pb.GetUserRequest(user_id=alice), metadata=as_user(bob))
    assert (me.id, me.follower_count, me.following_count) == (alice, 1, 0)
    missing = mesh.graph.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=as_user(UNKNOWN_USER))
    assert await status_of(missing) == grpc.StatusCode.NOT_FOUND
    assert await status_of(mesh.graph.GetCurrentUser(pb.GetCurrentUserRequest())) == grpc.StatusCode.UNAUTHENTICATED


async def test_follow_a_public_user(mesh: Mesh) -> None:
    alice, bob = await mesh.new_users(2)
    assert await counts(mesh, bob) == (0, 0)  # fills the counts cache: the follow must invalidate it
    assert await follow(mesh, alice, bob) == pb.FOLLOWING
    assert await follow(mesh, alice, bob) == pb.FOLLOWING
    assert await counts(mesh, bob) == (1, 0)
    assert await counts(mesh, alice) == (0, 1)
    assert await follower_ids(mesh, bob) == [alice]
    assert await following_ids(mesh, alice) == [bob]
    listed = (await mesh.graph.ListFollowers(pb.ListFollowersRequest(user_id=bob), metadata=as_user(alice))).users[0]
    assert (listed.follower_count, listed.following_count) == (0, 1)


async def test_follow_errors(mesh: Mesh) -> None:
    alice = await mesh.new_user()
    self_follow = mesh.graph.FollowUser(pb.FollowUserRequest(user_id=alice), metadata=as_user(alice))
    assert await status_of(self_follow) == grpc.StatusCode.INVALID_ARGUMENT
    unknown = mesh.graph.FollowUser(pb.FollowUserRequest(user_id=UNKNOWN_USER), metadata=as_user(alice))
    assert await status_of(unknown) == grpc.StatusCode.NOT_FOUND
    anonymous = mesh.graph.FollowUser(pb.FollowUserRequest(user_id=alice))
    assert await status_of(anonymous) == grpc.StatusCode.UNAUTHENTICATED


async def test_follow_a_private_user_then_approve(mesh: Mesh) -> None:
    alice, carol = await mesh.new_users(2)
    private = await mesh.new_user(private=True)
    assert await follow(mesh, alice, private) == pb.REQUESTED
    assert await follow(mesh, alice, private) == pb.REQUESTED
    assert await follow(mesh, carol, private) == pb.REQUESTED
    assert await counts(mesh, private) == (0, 0)
    requests = await mesh.graph.ListFollowRequests(pb.ListFollowRequestsRequest(limit=1), metadata=as_user(private))
    assert [u.id for u in requests.requests] == [alice]  # oldest first
    rest = await mesh.graph.ListFollowRequests(
        pb.ListFollowRequestsRequest(cursor=requests.next_cursor, limit=1), metadata=as_user(private)
    )
    assert [u.id for u in rest.requests] == [carol]

    await mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=alice), metadata=as_user(private))
    assert await follower_ids(mesh, private) == [alice]
    assert await counts(mesh, private) == (1, 0)
    assert await counts(mesh, alice) == (0, 1)
    assert await follow(mesh, alice, private) == pb.FOLLOWING
    again = mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=alice), metadata=as_user(private))
    assert await status_of(again) == grpc.StatusCode.NOT_FOUND

    await mesh.graph.RejectFollowRequest(pb.RejectFollowRequestRequest(user_id=carol), metadata=as_user(private))
    assert await follower_ids(mesh, private) == [alice]
    remaining = await mesh.graph.ListFollowRequests(pb.ListFollowRequestsRequest(), metadata=as_user(private))
    assert list(remaining.requests) == []
    rejected = mesh.graph.RejectFollowRequest(pb.RejectFollowRequestRequest(user_id=carol), metadata=as_user(private))
    assert await status_of(rejected) == grpc.StatusCode.NOT_FOUND
    assert await follow(mesh, carol, private) == pb.REQUESTED  # a rejected user may ask again


async def test_unfollow(mesh: Mesh) -> None:
    alice, bob = await mesh.new_users(2)
    private = await mesh.new_user(private=True)
    await follow(mesh, alice, bob)
    await follow(mesh, alice, private)
    for _ in range(2):  # idempotent
        await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=bob), metadata=as_user(alice))
        await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=private), metadata=as_user(alice))
    assert await counts(mesh, bob) == (0, 0)
    assert await counts(mesh, alice) == (0, 0)
    requests = await mesh.graph.ListFollowRequests(pb.ListFollowRequestsRequest(), metadata=as_user(private))
    assert list(requests.requests) == []  # the request is withdrawn
    approve = mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=alice), metadata=as_user(private))
    assert await status_of(approve) == grpc.StatusCode.NOT_FOUND
    yourself = mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=alice), metadata=as_user(alice))
    assert await status_of(yourself) == grpc.StatusCode.INVALID_ARGUMENT


async def test_block_removes_everything_both_ways(mesh: Mesh) -> None:
    alice, bob, carol = await mesh.new_users(3)
    private = await mesh.new_user(private=True)
    await follow(mesh, alice, bob)
    await follow(mesh, bob, alice)
    await follow(mesh, carol, bob)
    await follow(mesh, bob, private)  # a pending request of the blocked user to the blocker
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=bob), metadata=as_user(alice))
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=alice), metadata=as_user(bob))
    assert await counts(mesh, bob) == (2, 1)

    for _ in range(2):  # idempotent
        await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=bob), metadata=as_user(alice))
        await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=bob), metadata=as_user(private))
    assert await counts(mesh, alice) == (0, 0)
    assert await counts(mesh, bob) == (1, 0)
    assert await follower_ids(mesh, bob) == [carol]
    requests = await mesh.graph.ListFollowRequests(pb.ListFollowRequestsRequest(), metadata=as_user(private))
    assert list(requests.requests) == []

    for a, b in ((alice, bob), (bob, alice), (bob, private)):
        assert await status_of(mesh.graph.FollowUser(pb.FollowUserRequest(user_id=b), metadata=as_user(a))) == (
            grpc.StatusCode.PERMISSION_DENIED
        )
        add = mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=b), metadata=as_user(a))
        assert await status_of(add) == grpc.StatusCode.PERMISSION_DENIED

    # the close-friend entries are gone both ways: alice's CLOSE_FRIENDS post is hidden from bob after unblock
    for _ in range(2):
        await mesh.graph.UnblockUser(pb.UnblockUserRequest(user_id=bob), metadata=as_user(alice))
    decision = await mesh.graph_internal.BatchCheckVisibility(
        internal_pb.BatchCheckVisibilityRequest(
            viewer_id=bob,
            candidates=[
                internal_pb.VisibilityCandidate(post_id=1, author_id=alice, visibility=visibility_pb2.CLOSE_FRIENDS)
            ],
        )
    )
    assert list(decision.visible) == [False]
    assert await counts(mesh, alice) == (0, 0)  # unblocking restores nothing
    assert await follow(mesh, bob, alice) == pb.FOLLOWING

    for rpc, request in (
        (mesh.graph.BlockUser, pb.BlockUserRequest),
        (mesh.graph.UnblockUser, pb.UnblockUserRequest),
    ):
        assert await status_of(rpc(request(user_id=alice), metadata=as_user(alice))) == (
            grpc.StatusCode.INVALID_ARGUMENT
        )
        assert await status_of(rpc(request(user_id=UNKNOWN_USER), metadata=as_user(alice))) == (
            grpc.StatusCode.NOT_FOUND
        )


async def test_close_friends_errors(mesh: Mesh) -> None:
    alice, bob = await mesh.new_users(2)
    for rpc, request in (
        (mesh.graph.AddCloseFriend, pb.AddCloseFriendRequest),
        (mesh.graph.RemoveCloseFriend, pb.RemoveCloseFriendRequest),
    ):
        assert await status_of(rpc(request(user_id=alice), metadata=as_user(alice))) == (
            grpc.StatusCode.INVALID_ARGUMENT
        )
        assert await status_of(rpc(request(user_id=UNKNOWN_USER), metadata=as_user(alice))) == (
            grpc.StatusCode.NOT_FOUND
        )
        for _ in range(2):  # idempotent
            await rpc(request(user_id=bob), metadata=as_user(alice))


async def test_paging_followers_while_a_follower_is_added(mesh: Mesh) -> None:
    author = await mesh.new_user()
    followers = await mesh.new_users(5)
    for f in followers:
        await follow(mesh, f, author)
    seen: list[int] = []
    page = await mesh.graph.ListFollowers(pb.ListFollowersRequest(user_id=author, limit=2), metadata=as_user(author))
    seen += [u.id for u in page.users]
    late = await mesh.new_user()
    await follow(mesh, late, author)  # newer than everything: it belongs before the first page
    while page.next_cursor:
        page = await mesh.graph.ListFollowers(
            pb.ListFollowersRequest(user_id=author, cursor=page.next_cursor, limit=2), metadata=as_user(author)
        )
        seen += [u.id for u in page.users]
    assert seen == list(reversed(followers))  # most recent first, no duplicates, nothing skipped
    fresh = await mesh.graph.ListFollowers(pb.ListFollowersRequest(user_id=author, limit=2), metadata=as_user(author))
    assert [u.id for u in fresh.users] == [late, followers[-1]]


async def test_paging_following(mesh: Mesh) -> None:
    fan = await mesh.new_user()
    stars = await mesh.new_users(3)
    for s in stars:
        await follow(mesh, fan, s)
    seen: list[int] = []
    cursor = ""
    while True:
        page = await mesh.graph.ListFollowing(
            pb.ListFollowingRequest(user_id=fan, cursor=cursor, limit=2), metadata=as_user(fan)
        )
        seen += [u.id for u in page.users]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == list(reversed(stars))


async def test_list_errors(mesh: Mesh) -> None:
    alice = await mesh.new_user()
    bad_cursor = mesh.graph.ListFollowers(pb.ListFollowersRequest(user_id=alice, cursor="%%"), metadata=as_user(alice))
    assert await status_of(bad_cursor) == grpc.StatusCode.INVALID_ARGUMENT
    bad_limit = mesh.graph.ListFollowing(pb.ListFollowingRequest(user_id=alice, limit=-1), metadata=as_user(alice))
    assert await status_of(bad_limit) == grpc.StatusCode.INVALID_ARGUMENT
    unknown = mesh.graph.ListFollowers(pb.ListFollowersRequest(user_id=UNKNOWN_USER), metadata=as_user(alice))
    assert await status_of(unknown) == grpc.StatusCode.NOT_FOUND


async def test_who_may_list_followers_and_followings(mesh: Mesh) -> None:
    """A private account's lists only to itself and its approved followers; anyone's not to a user blocked either
    way (PERMISSION_DENIED, with the reason)."""
    private, public = await mesh.new_user(private=True), await mesh.new_user()
    follower, requester, stranger, blocked = [await mesh.new_user() for _ in range(4)]
    await follow(mesh, follower, private)
    await mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=follower), metadata=as_user(private))
    await follow(mesh, requester, private)  # stays pending
    for owner in (private, public):
        await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=blocked), metadata=as_user(owner))

    async def refusal(viewer: int, owner: int) -> str | None:
        try:
            await mesh.graph.ListFollowers(pb.ListFollowersRequest(user_id=owner), metadata=as_user(viewer))
        except grpc.aio.AioRpcError as followers_error:
            with pytest.raises(grpc.aio.AioRpcError) as following_error:
                await mesh.graph.ListFollowing(pb.ListFollowingRequest(user_id=owner), metadata=as_user(viewer))
            assert followers_error.code() == following_error.value.code() == grpc.StatusCode.PERMISSION_DENIED
            return str(dict(followers_error.trailing_metadata() or ()).get("reason") or followers_error.details())
        await mesh.graph.ListFollowing(pb.ListFollowingRequest(user_id=owner), metadata=as_user(viewer))
        return None

    assert await refusal(private, private) is None and await refusal(follower, private) is None
    assert await refusal(stranger, public) is None and await refusal(requester, public) is None
    for viewer in (stranger, requester):
        assert "private" in str(await refusal(viewer, private))
    for owner in (private, public):
        assert await refusal(blocked, owner) is not None
        # the block holds both ways: the blocker does not list the blocked user's relationships either
        assert await refusal(owner, blocked) is not None
