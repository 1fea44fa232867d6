"""The anti-abuse parts inside the real engagement service (in-process, with its peers, on the real stores): a user
past a budget gets RESOURCE_EXHAUSTED naming it; a like loop is limited harder only with the burst guard on; and a
shadow-banned user's likes, comments and shares look normal to them and exist for nobody else."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2 as admin_pb
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2_grpc as admin_grpc
from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.engagement.v1 import engagement_service_pb2_grpc as pb_grpc
from feedmesh.post.v1 import post_service_pb2

from services.common import redis_keys
from services.common.polling import wait_until
from tests.integration.auth.test_auth_service import reason_of
from tests.integration.engagement.conftest import Mesh, as_user, start_engagement
from tests.integration.engagement.counters import converged
from tests.integration.engagement.kafka_events import post_events, topic_end


async def minute_with_room() -> None:
    """Waits for a minute with at least 15 s left, so the attempts of a test fall in one budget window."""
    await wait_until(lambda: time.time() % 60 < 45, what="15 s or more left in the minute", within=20, interval=0.25)


async def like(engagement: pb_grpc.EngagementServiceStub, user: int, post: int) -> grpc.StatusCode:
    try:
        await engagement.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(user))
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def test_past_the_per_minute_budget_a_like_is_refused_saying_which_budget(mesh: Mesh) -> None:
    author, fan, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    posts = [await mesh.new_post(author) for _ in range(4)]
    async with start_engagement(mesh, engagement_likes_per_min=3, engagement_burst_guard="off") as engagement:
        await minute_with_room()
        for post in posts[:3]:
            await engagement.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(fan))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await engagement.LikePost(pb.LikePostRequest(post_id=posts[3]), metadata=as_user(fan))
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert reason_of(refused.value) == "ENGAGEMENT_BUDGET_EXHAUSTED"
        assert "likes per minute budget used up (3); it resets in" in (refused.value.details() or "")
        # taking a like back is not budgeted, and another user's budget is their own
        await engagement.UnlikePost(pb.UnlikePostRequest(post_id=posts[0]), metadata=as_user(fan))
        assert await like(engagement, other, posts[3]) == grpc.StatusCode.OK


@pytest.mark.parametrize("guard", ["on", "off"])
async def test_a_like_loop_is_limited_harder_only_with_the_burst_guard_on(mesh: Mesh, guard: str) -> None:
    author, looper = await mesh.new_user(), await mesh.new_user()
    looped, *others = [await mesh.new_post(author) for _ in range(4)]
    async with start_engagement(mesh, engagement_likes_per_min=20, engagement_burst_guard=guard) as engagement:
        await minute_with_room()
        for _ in range(4):  # like, unlike, ... : seven alternations on one post
            await engagement.LikePost(pb.LikePostRequest(post_id=looped), metadata=as_user(looper))
            await engagement.UnlikePost(pb.UnlikePostRequest(post_id=looped), metadata=as_user(looper))
        # 4 likes this minute: under the budget of 20, past the harder limit of 20 / 10
        outcomes = [await like(engagement, looper, post) for post in others]
    if guard == "off":
        assert outcomes == [grpc.StatusCode.OK] * 3
        return
    assert grpc.StatusCode.RESOURCE_EXHAUSTED in outcomes  # (even if a new minute began meanwhile: its limit is 2)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{mesh.engagement_server.port}") as channel:
        admin = admin_grpc.EngagementAdminServiceStub(channel)
        status = await admin.GetUserStatus(admin_pb.GetUserStatusRequest(user_id=looper))
        assert status.HasField("rate_limited_until") and status.rate_limited_until.ToSeconds() > time.time() + 800
        await admin.ClearRateLimit(admin_pb.ClearRateLimitRequest(user_id=looper, operator="test"))
    async with start_engagement(mesh, engagement_likes_per_min=20, engagement_burst_guard="on") as engagement:
        assert await like(engagement, looper, others[2]) == grpc.StatusCode.OK


async def test_a_shadow_banned_users_engagement_shows_to_them_alone(
    mesh: Mesh, admin: admin_grpc.EngagementAdminServiceStub, pg_conn: Any, redis_client: Any
) -> None:
    author, banned, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    start = topic_end(mesh.stack)
    e = mesh.engagement
    await e.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(other))
    await admin.ShadowBanUser(admin_pb.ShadowBanUserRequest(user_id=banned, reason="spam", operator="test"))

    # what the banned user does looks normal to them
    liked = await e.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(banned))
    assert (liked.liked, liked.like_count) == (True, 2)
    comment = await e.CreateComment(pb.CreateCommentRequest(post_id=post, text="buy now"), metadata=as_user(banned))
    shared = await e.SharePost(pb.SharePostRequest(post_id=post), metadata=as_user(banned))
    assert shared.share_count == 1

    async def seen_by(viewer: int) -> tuple[int, int, int, bool, list[int]]:
        [stats] = await mesh.stats(viewer, [post])
        listed = await e.ListComments(pb.ListCommentsRequest(post_id=post), metadata=as_user(viewer))
        return (
            stats.like_count,
            stats.comment_count,
            stats.share_count,
            stats.liked_by_viewer,
            [c.id for c in listed.comments],
        )

    assert await seen_by(banned) == (2, 1, 1, True, [comment.id])
    assert await seen_by(other) == (1, 0, 0, True, [])
    assert await seen_by(author) == (1, 0, 0, False, [])
    get = post_service_pb2.GetPostRequest(post_id=post)
    as_banned = await mesh.post.GetPost(get, metadata=as_user(banned))
    as_author = await mesh.post.GetPost(get, metadata=as_user(author))
    assert (as_banned.like_count, as_banned.comment_count, as_banned.share_count) == (2, 1, 1)
    assert (as_author.like_count, as_author.comment_count, as_author.share_count) == (1, 0, 0)

    # every counter holds what everyone sees: the durable ones, and the Redis sets, also when rebuilt from the rows
    seen = await converged(mesh, pg_conn, redis_client, [post], cached=True)
    assert seen.recount[post] == (1, 0, 0) and seen.liker_sets[post] == {other}
    kinds = (redis_keys.engagement_likers, redis_keys.engagement_comments, redis_keys.engagement_shares)
    redis_client.delete(*(key(post) for key in kinds))
    seen = await converged(mesh, pg_conn, redis_client, [post], cached=True)
    assert seen.cached[post] == (1, 0, 0) and seen.liker_sets[post] == {other}

    # taking the like back takes back what the banned user saw; lifted, what they do counts again
    unliked = await e.UnlikePost(pb.UnlikePostRequest(post_id=post), metadata=as_user(banned))
    assert unliked.like_count == 1
    await admin.UnbanUser(admin_pb.UnbanUserRequest(user_id=banned, operator="test"))
    assert (await e.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(banned))).like_count == 2
    assert await seen_by(author) == (2, 0, 0, False, [])
    assert await seen_by(banned) == (2, 1, 1, True, [comment.id])  # what was hidden stays theirs alone
    # the post's author cannot find the hidden comment, to delete it or otherwise; its author can, silently
    delete = pb.DeleteCommentRequest(post_id=post, comment_id=comment.id)
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await e.DeleteComment(delete, metadata=as_user(author))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    await e.DeleteComment(delete, metadata=as_user(banned))
    assert await seen_by(banned) == (2, 0, 1, True, [])
    # nobody was notified of what was hidden: the post's events are the other user's like and the banned user's
    # like once lifted, then the author's, which comes after everything before it (the outbox is published in order)
    await e.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(author))
    assert post_events(mesh.stack, start, post, 3) == ["post_liked"] * 3
