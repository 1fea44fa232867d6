"""The visibility answers the engagement service keeps in its process (services/engagement/app/visible_posts.py)
stay exact: once a like was decided from the cache, a block (either way), the unfollow of a private account, the
removal from a close-friends list or the post's deletion makes the very next like NOT_FOUND, through the versions
the graph publishes and the post service's tombstones."""

from __future__ import annotations

import grpc
import pytest
from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.graph.v1 import graph_service_pb2 as g
from feedmesh.post.v1 import post_service_pb2, visibility_pb2
from prometheus_client import REGISTRY

from tests.integration.engagement.conftest import Mesh, as_user


def cache_hits() -> float:
    return REGISTRY.get_sample_value("feedmesh_engagement_visibility_cache_total", {"result": "hit"}) or 0.0


async def like_from_cache(mesh: Mesh, viewer: int, post_id: int) -> None:
    """Likes until a like is answered by the cache (the first learns the post, the next the decision)."""
    for _ in range(3):
        hits = cache_hits()
        await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(viewer))
        if cache_hits() > hits:
            return
    raise AssertionError("no like was decided from the cache")


async def assert_like_not_found(mesh: Mesh, viewer: int, post_id: int) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(viewer))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_block_either_way_hides_a_cached_post_at_once(mesh: Mesh) -> None:
    author, viewer, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    post_id = await mesh.new_post(author)
    await like_from_cache(mesh, viewer, post_id)
    await like_from_cache(mesh, other, post_id)

    await mesh.block(author, viewer)
    await assert_like_not_found(mesh, viewer, post_id)
    await mesh.block(other, author)
    await assert_like_not_found(mesh, other, post_id)


async def test_unfollowing_a_private_account_hides_its_cached_post_at_once(mesh: Mesh) -> None:
    private, follower = await mesh.new_user(private=True), await mesh.new_user()
    await mesh.follow(follower, private)
    await mesh.graph.ApproveFollowRequest(g.ApproveFollowRequestRequest(user_id=follower), metadata=as_user(private))
    post_id = await mesh.new_post(private)
    await like_from_cache(mesh, follower, post_id)

    await mesh.graph.UnfollowUser(g.UnfollowUserRequest(user_id=private), metadata=as_user(follower))
    await assert_like_not_found(mesh, follower, post_id)


async def test_leaving_a_close_friends_list_hides_its_cached_post_at_once(mesh: Mesh) -> None:
    author, friend = await mesh.new_user(), await mesh.new_user()
    await mesh.graph.AddCloseFriend(g.AddCloseFriendRequest(user_id=friend), metadata=as_user(author))
    post_id = await mesh.new_post(author, visibility_pb2.CLOSE_FRIENDS)
    await like_from_cache(mesh, friend, post_id)

    await mesh.graph.RemoveCloseFriend(g.RemoveCloseFriendRequest(user_id=friend), metadata=as_user(author))
    await assert_like_not_found(mesh, friend, post_id)


async def test_a_deleted_post_is_not_found_at_once_even_by_its_author(mesh: Mesh) -> None:
    author, viewer = await mesh.new_user(), await mesh.new_user()
    post_id = await mesh.new_post(author)
    await like_from_cache(mesh, viewer, post_id)
    await like_from_cache(mesh, author, post_id)

    await mesh.post.DeletePost(post_service_pb2.DeletePostRequest(post_id=post_id), metadata=as_user(author))
    await assert_like_not_found(mesh, viewer, post_id)
    await assert_like_not_found(mesh, author, post_id)


async def test_a_refusal_is_not_kept(mesh: Mesh) -> None:
    private, viewer = await mesh.new_user(private=True), await mesh.new_user()
    post_id = await mesh.new_post(private)
    await like_from_cache(mesh, private, post_id)  # the post is known to the cache now
    await assert_like_not_found(mesh, viewer, post_id)

    await mesh.follow(viewer, private)
    await mesh.graph.ApproveFollowRequest(g.ApproveFollowRequestRequest(user_id=viewer), metadata=as_user(private))
    liked = await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(viewer))
    assert liked.liked
