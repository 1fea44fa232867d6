"""One may engage only with what one may see: a private account's post (not followed), the post of someone who
blocked you (or whom you blocked), a deleted post, a close-friends post of someone else's list: NOT_FOUND on every
route, exactly like an unknown post, and nothing is stored."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.graph.v1 import graph_service_pb2 as g
from feedmesh.post.v1 import post_service_pb2, visibility_pb2

from tests.integration.engagement.conftest import Mesh, as_user


def calls(mesh: Mesh, viewer: int, post_id: int, comment_id: int) -> list[Any]:
    e, who = mesh.engagement, as_user(viewer)
    return [
        lambda: e.LikePost(pb.LikePostRequest(post_id=post_id), metadata=who),
        lambda: e.UnlikePost(pb.UnlikePostRequest(post_id=post_id), metadata=who),
        lambda: e.SharePost(pb.SharePostRequest(post_id=post_id), metadata=who),
        lambda: e.CreateComment(pb.CreateCommentRequest(post_id=post_id, text="hi"), metadata=who),
        lambda: e.ListComments(pb.ListCommentsRequest(post_id=post_id), metadata=who),
        lambda: e.DeleteComment(pb.DeleteCommentRequest(post_id=post_id, comment_id=comment_id), metadata=who),
    ]


async def assert_hidden(mesh: Mesh, viewer: int, post_id: int, comment_id: int) -> None:
    for call in calls(mesh, viewer, post_id, comment_id):
        try:
            await call()
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.NOT_FOUND, exc
            assert exc.details() == "post not found"
        else:
            raise AssertionError(f"user {viewer} could engage with post {post_id}")


async def assert_visible(mesh: Mesh, viewer: int, post_id: int) -> None:
    liked = await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(viewer))
    assert liked.liked
    await mesh.engagement.UnlikePost(pb.UnlikePostRequest(post_id=post_id), metadata=as_user(viewer))


async def test_private_blocked_deleted_and_close_friends_posts_are_not_found(mesh: Mesh) -> None:
    private = await mesh.new_user(private=True)
    public = await mesh.new_user()
    stranger, blocked, blocker = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    await mesh.block(public, blocked)  # public blocked `blocked`
    await mesh.block(blocker, public)  # `blocker` blocked public: public's posts are hidden from blocker too

    private_post = await mesh.new_post(private)
    public_post = await mesh.new_post(public)
    friends_post = await mesh.new_post(public, visibility_pb2.CLOSE_FRIENDS)
    deleted_post = await mesh.new_post(public)
    comment = await mesh.engagement.CreateComment(
        pb.CreateCommentRequest(post_id=public_post, text="by the author"), metadata=as_user(public)
    )
    await mesh.post.DeletePost(post_service_pb2.DeletePostRequest(post_id=deleted_post), metadata=as_user(public))

    await assert_hidden(mesh, stranger, private_post, comment.id)
    await assert_hidden(mesh, blocked, public_post, comment.id)
    await assert_hidden(mesh, blocker, public_post, comment.id)
    await assert_hidden(mesh, stranger, friends_post, comment.id)
    await assert_hidden(mesh, stranger, deleted_post, comment.id)
    await assert_hidden(mesh, public, deleted_post, comment.id)  # deleted: hidden from its author too

    await assert_visible(mesh, stranger, public_post)
    await assert_visible(mesh, private, private_post)  # the author
    [stats] = await mesh.stats(0, [private_post])
    assert (stats.like_count, stats.comment_count, stats.share_count) == (0, 0, 0)  # nothing was stored

    # an approved follower of the private account may engage
    await mesh.follow(stranger, private)
    await mesh.graph.ApproveFollowRequest(g.ApproveFollowRequestRequest(user_id=stranger), metadata=as_user(private))
    await assert_visible(mesh, stranger, private_post)


async def test_concurrent_first_likes_of_one_authors_posts_are_decided_per_viewer(mesh: Mesh) -> None:
    """Viewers not decided yet are asked about together (one graph call per author and audience in flight): each
    still gets their own answer, for whichever of the author's posts they like."""
    author = await mesh.new_user(private=True)
    follower, stranger, blocked = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    await mesh.follow(follower, author)
    await mesh.graph.ApproveFollowRequest(g.ApproveFollowRequestRequest(user_id=follower), metadata=as_user(author))
    await mesh.block(author, blocked)
    posts = [await mesh.new_post(author) for _ in range(3)]
    viewers = [follower, stranger, blocked, author] * 3

    async def like(viewer: int, post_id: int) -> bool:
        try:
            await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(viewer))
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.NOT_FOUND, exc
            return False
        return True

    outcomes = await asyncio.gather(*(like(v, posts[n % len(posts)]) for n, v in enumerate(viewers)))
    for viewer, liked in zip(viewers, outcomes, strict=True):
        assert liked is (viewer in (follower, author)), viewer
    stats = {s.post_id: s.like_count for s in await mesh.stats(0, posts)}
    assert sum(stats.values()) == 6  # the follower's and the author's likes, three each


async def test_posts_learnt_together_keep_their_own_answers(mesh: Mesh) -> None:
    """Posts not known yet are looked up together (one BatchGetPosts for those asked while one is in flight): a
    deleted post and an id that was never a post are still not found, each live post liked as itself."""
    authors = [await mesh.new_user(), await mesh.new_user()]
    viewer = await mesh.new_user()
    live = [await mesh.new_post(authors[n % 2]) for n in range(6)]
    deleted = await mesh.new_post(authors[0])
    await mesh.post.DeletePost(post_service_pb2.DeletePostRequest(post_id=deleted), metadata=as_user(authors[0]))
    never = max(live) * 2 + 1

    async def like(post_id: int) -> int | None:
        try:
            reply = await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(viewer))
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.NOT_FOUND, exc
            return None
        return reply.like_count

    asked = [*live, deleted, never, *live]
    counts = await asyncio.gather(*(like(p) for p in asked))
    assert counts[len(live) : len(live) + 2] == [None, None]
    assert all(c == 1 for c in counts[: len(live)] + counts[len(live) + 2 :])
