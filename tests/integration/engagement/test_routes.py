"""Every route of the engagement service against the real stack: what it answers, what it stores, bad input."""

from __future__ import annotations

import grpc
import pytest
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2 as internal_pb
from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.post.v1 import post_service_pb2

from tests.integration.auth.test_auth_service import reason_of
from tests.integration.engagement.conftest import Mesh, as_user, keyed


async def code_of(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def test_like_and_unlike_are_idempotent_and_counted(mesh: Mesh) -> None:
    author, fan, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    like = pb.LikePostRequest(post_id=post)

    first = await mesh.engagement.LikePost(like, metadata=as_user(fan))
    again = await mesh.engagement.LikePost(like, metadata=as_user(fan))
    assert (first.liked, first.like_count) == (True, 1)
    assert (again.liked, again.like_count) == (True, 1)
    assert (await mesh.engagement.LikePost(like, metadata=as_user(other))).like_count == 2

    [mine] = await mesh.stats(fan, [post])
    assert (mine.like_count, mine.liked_by_viewer) == (2, True)
    [theirs] = await mesh.stats(author, [post])
    assert (theirs.like_count, theirs.liked_by_viewer) == (2, False)

    unlike = pb.UnlikePostRequest(post_id=post)
    gone = await mesh.engagement.UnlikePost(unlike, metadata=as_user(fan))
    assert (gone.liked, gone.like_count) == (False, 1)
    assert (await mesh.engagement.UnlikePost(unlike, metadata=as_user(fan))).like_count == 1
    [mine] = await mesh.stats(fan, [post])
    assert (mine.like_count, mine.liked_by_viewer) == (1, False)

    # the post service's reads carry the counts (read-your-writes through BatchGetPostStats)
    shown = await mesh.post.GetPost(post_service_pb2.GetPostRequest(post_id=post), metadata=as_user(fan))
    assert shown.like_count == 1


async def test_idempotency_key_retries_return_the_first_answer(mesh: Mesh) -> None:
    author, fan, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    first = await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post), metadata=keyed(fan, "like-1"))
    await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(other))
    retry = await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post), metadata=keyed(fan, "like-1"))
    assert retry == first and first.like_count == 1  # the first answer, though the count is 2 now

    share = pb.SharePostRequest(post_id=post)
    one = await mesh.engagement.SharePost(share, metadata=keyed(fan, "share-1"))
    assert one.share_count == 1
    assert (await mesh.engagement.SharePost(share, metadata=keyed(fan, "share-1"))).share_count == 1
    assert (await mesh.engagement.SharePost(share, metadata=as_user(fan))).share_count == 2  # no key: another share
    [stats] = await mesh.stats(fan, [post])
    assert stats.share_count == 2

    comment = pb.CreateCommentRequest(post_id=post, text="first!")
    made = await mesh.engagement.CreateComment(comment, metadata=keyed(fan, "c-1"))
    retried = await mesh.engagement.CreateComment(comment, metadata=keyed(fan, "c-1"))
    assert retried == made

    # the same key for another request is refused, not silently mixed up
    code = await code_of(mesh.engagement.UnlikePost(pb.UnlikePostRequest(post_id=post), metadata=keyed(fan, "like-1")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


async def test_comments_create_list_delete(mesh: Mesh) -> None:
    author, fan, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    made = await mesh.engagement.CreateComment(
        pb.CreateCommentRequest(post_id=post, text="  hello @Somebody  "), metadata=as_user(fan)
    )
    assert (made.post_id, made.author_id, made.text) == (post, fan, "hello @Somebody")
    assert made.create_time.seconds > 0
    # identical text by the same user within 10 minutes: stored once
    twin = await mesh.engagement.CreateComment(
        pb.CreateCommentRequest(post_id=post, text="hello @Somebody"), metadata=as_user(fan)
    )
    assert twin == made
    by_other = await mesh.engagement.CreateComment(
        pb.CreateCommentRequest(post_id=post, text="hello @Somebody"), metadata=as_user(other)
    )
    assert by_other.id != made.id

    page = await mesh.engagement.ListComments(pb.ListCommentsRequest(post_id=post), metadata=as_user(author))
    assert [c.id for c in page.comments] == [made.id, by_other.id] and page.next_cursor == ""
    [stats] = await mesh.stats(author, [post])
    assert stats.comment_count == 2

    delete_made = pb.DeleteCommentRequest(post_id=post, comment_id=made.id)
    delete_other = pb.DeleteCommentRequest(post_id=post, comment_id=by_other.id)
    assert await code_of(mesh.engagement.DeleteComment(delete_made, metadata=as_user(other))) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    await mesh.engagement.DeleteComment(delete_made, metadata=as_user(fan))  # the comment's author
    await mesh.engagement.DeleteComment(delete_other, metadata=as_user(author))  # the post's author
    assert await code_of(mesh.engagement.DeleteComment(delete_made, metadata=as_user(fan))) == grpc.StatusCode.NOT_FOUND
    page = await mesh.engagement.ListComments(pb.ListCommentsRequest(post_id=post), metadata=as_user(author))
    assert list(page.comments) == []
    [stats] = await mesh.stats(author, [post])
    assert stats.comment_count == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "TEXT_EMPTY"),
        ("   \n ", "TEXT_EMPTY"),
        ("x" * 1001, "TEXT_TOO_LONG"),
        ("a forbiddenword", "TEXT_BLOCKED_WORD"),
        ("bell \x07", "TEXT_CONTROL_CHARACTER"),
    ],
)
async def test_bad_comment_text_is_invalid_argument(mesh: Mesh, text: str, reason: str) -> None:
    author = await mesh.new_user()
    post = await mesh.new_post(author)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await mesh.engagement.CreateComment(pb.CreateCommentRequest(post_id=post, text=text), metadata=as_user(author))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() and reason_of(caught.value) == reason


async def test_a_thousand_characters_is_allowed(mesh: Mesh) -> None:
    author = await mesh.new_user()
    post = await mesh.new_post(author)
    made = await mesh.engagement.CreateComment(
        pb.CreateCommentRequest(post_id=post, text="y" * 1000), metadata=as_user(author)
    )
    assert len(made.text) == 1000


async def test_bad_input_is_invalid_argument_on_every_route(mesh: Mesh) -> None:
    user = await mesh.new_user()
    post = await mesh.new_post(user)
    e = mesh.engagement
    bad = [
        e.LikePost(pb.LikePostRequest(post_id=0), metadata=as_user(user)),
        e.UnlikePost(pb.UnlikePostRequest(post_id=-5), metadata=as_user(user)),
        e.SharePost(pb.SharePostRequest(post_id=0), metadata=as_user(user)),
        e.CreateComment(pb.CreateCommentRequest(post_id=0, text="hi"), metadata=as_user(user)),
        e.ListComments(pb.ListCommentsRequest(post_id=0), metadata=as_user(user)),
        e.ListComments(pb.ListCommentsRequest(post_id=post, cursor="%%%"), metadata=as_user(user)),
        e.ListComments(pb.ListCommentsRequest(post_id=post, limit=-1), metadata=as_user(user)),
        e.DeleteComment(pb.DeleteCommentRequest(post_id=post, comment_id=0), metadata=as_user(user)),
        e.LikePost(pb.LikePostRequest(post_id=post), metadata=keyed(user, "x" * 200)),
        mesh.engagement_internal.BatchGetPostStats(internal_pb.BatchGetPostStatsRequest(post_ids=[0])),
        mesh.engagement_internal.BatchGetPostStats(internal_pb.BatchGetPostStatsRequest(post_ids=list(range(1, 1002)))),
    ]
    for call in bad:
        assert await code_of(call) == grpc.StatusCode.INVALID_ARGUMENT
    unknown = [
        e.LikePost(pb.LikePostRequest(post_id=1), metadata=as_user(user)),
        e.DeleteComment(pb.DeleteCommentRequest(post_id=post, comment_id=12345), metadata=as_user(user)),
    ]
    for call in unknown:
        assert await code_of(call) == grpc.StatusCode.NOT_FOUND
    assert await code_of(e.LikePost(pb.LikePostRequest(post_id=post))) == grpc.StatusCode.UNAUTHENTICATED


async def test_batch_stats_answers_in_request_order(mesh: Mesh) -> None:
    author, fan = await mesh.new_user(), await mesh.new_user()
    posts = [await mesh.new_post(author) for _ in range(3)]
    await mesh.engagement.LikePost(pb.LikePostRequest(post_id=posts[1]), metadata=as_user(fan))
    stats = await mesh.stats(fan, [posts[2], posts[1], posts[0], posts[1]])
    assert [s.post_id for s in stats] == [posts[2], posts[1], posts[0], posts[1]]
    assert [s.like_count for s in stats] == [0, 1, 0, 1]
    assert [s.liked_by_viewer for s in stats] == [False, True, False, True]
    assert [s.liked_by_viewer for s in await mesh.stats(0, posts)] == [False] * 3
    assert await mesh.stats(fan, []) == []
