"""GetFeed against the real stack: errors, the Redis cap, and next-read semantics of follows, unfollows, blocks
and deletes."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from feedmesh.graph.v1 import graph_service_pb2
from feedmesh.post.v1 import post_service_pb2, visibility_pb2
from feedmesh.timeline.v1 import timeline_service_pb2

from services.common import redis_keys
from tests.integration.timeline.conftest import HOME_MAX, Mesh, as_user


async def publish(mesh: Mesh, author: int, text: str = "hello", visibility: int = visibility_pb2.PUBLIC) -> int:
    response = await mesh.post.CreatePost(
        post_service_pb2.CreatePostRequest(text=text, visibility=visibility),  # type: ignore[arg-type]
        metadata=as_user(author),
    )
    return int(response.id)


async def follow(mesh: Mesh, follower: int, followee: int) -> None:
    await mesh.graph.FollowUser(graph_service_pb2.FollowUserRequest(user_id=followee), metadata=as_user(follower))


@pytest.mark.parametrize(
    ("request_fields", "code"),
    [
        ({"mode": "popular"}, grpc.StatusCode.INVALID_ARGUMENT),
        ({"cursor": "not-a-cursor!"}, grpc.StatusCode.INVALID_ARGUMENT),
        ({"limit": -1}, grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
async def test_bad_requests_are_invalid_argument(mesh: Mesh, request_fields: dict[str, Any], code: object) -> None:
    viewer = await mesh.new_user()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await mesh.timeline.GetFeed(timeline_service_pb2.GetFeedRequest(**request_fields), metadata=as_user(viewer))
    assert caught.value.code() == code


async def test_anonymous_callers_are_unauthenticated(mesh: Mesh) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await mesh.timeline.GetFeed(timeline_service_pb2.GetFeedRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_paging_past_the_redis_cap_returns_every_post_once_in_order(mesh: Mesh, redis_client: object) -> None:
    author, reader = await mesh.new_user(), await mesh.new_user()
    await follow(mesh, reader, author)
    assert await mesh.feed(reader) == []  # the reader is active from now on
    await mesh.settle()
    posts = [await publish(mesh, author, f"post {n}") for n in range(25)]
    await mesh.settle()
    assert await mesh.feed(reader, limit=4) == sorted(posts, reverse=True)
    assert await mesh.feed(reader, limit=7) == sorted(posts, reverse=True)
    assert await mesh.feed(author, limit=3) == sorted(posts, reverse=True)
    prefix = mesh.timeline_settings.redis_prefix
    cached = redis_client.zcard(redis_keys.home_timeline(reader, prefix).ids)  # type: ignore[attr-defined]
    assert cached == HOME_MAX, "the home timeline in Redis is capped; older pages came from Cassandra"


async def test_ranked_without_a_ranking_service_is_chronological_and_not_degraded(mesh: Mesh) -> None:
    author, reader = await mesh.new_user(), await mesh.new_user()
    await follow(mesh, reader, author)
    posts = [await publish(mesh, author, f"r{n}") for n in range(5)]
    await mesh.settle()
    page = await mesh.timeline.GetFeed(timeline_service_pb2.GetFeedRequest(limit=3), metadata=as_user(reader))
    assert [i.post.id for i in page.items] == sorted(posts, reverse=True)[:3]
    assert page.degraded is False
    assert page.items[0].author.id == author and page.items[0].author.handle
    assert await mesh.feed(reader, mode="ranked") == sorted(posts, reverse=True)


async def test_follow_unfollow_block_and_delete_show_on_the_next_read(mesh: Mesh) -> None:
    author, reader = await mesh.new_user(), await mesh.new_user()
    posts = [await publish(mesh, author, f"f{n}") for n in range(4)]
    assert await mesh.feed(reader) == []
    await mesh.settle()
    await follow(mesh, reader, author)  # no settling: the UserFollowed event may not be processed yet
    assert await mesh.feed(reader) == sorted(posts, reverse=True)
    await mesh.post.DeletePost(post_service_pb2.DeletePostRequest(post_id=posts[-1]), metadata=as_user(author))
    assert await mesh.feed(reader) == sorted(posts[:-1], reverse=True)
    await mesh.graph.UnfollowUser(graph_service_pb2.UnfollowUserRequest(user_id=author), metadata=as_user(reader))
    assert await mesh.feed(reader) == []
    await follow(mesh, reader, author)
    assert await mesh.feed(reader) == sorted(posts[:-1], reverse=True)
    await mesh.graph.BlockUser(graph_service_pb2.BlockUserRequest(user_id=reader), metadata=as_user(author))
    assert await mesh.feed(reader) == []
    assert await mesh.feed(author) == sorted(posts[:-1], reverse=True)


async def test_celebrity_posts_are_pulled_and_merged(mesh: Mesh) -> None:
    celebrity = await mesh.new_user()
    fans = [await mesh.new_user() for _ in range(4)]
    for fan in fans:
        await follow(mesh, fan, celebrity)
        await mesh.feed(fan)
    await mesh.settle()
    posts = [await publish(mesh, celebrity, f"c{n}") for n in range(3)]
    await mesh.settle()
    for fan in fans:
        assert await mesh.feed(fan) == sorted(posts, reverse=True)
