"""feedmesh.post.v1.PostService: proto in, use case, proto out. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.post.v1 import post_pb2, post_service_pb2, post_service_pb2_grpc
from google.protobuf import timestamp_pb2

from services.common import identity
from services.common.pagination import page_limit
from services.post.app.posts import NewPost, PostUseCases
from services.post.domain.model import NO_STATS, Post, PostStats, Visibility

IDEMPOTENCY_KEY = "idempotency-key"


def to_proto(post: Post, stats: PostStats = NO_STATS) -> post_pb2.Post:
    created = timestamp_pb2.Timestamp()
    created.FromDatetime(post.created_at)
    return post_pb2.Post(
        id=post.id,
        author_id=post.author_id,
        text=post.text,
        media_refs=list(post.media_refs),
        visibility=int(post.visibility),  # type: ignore[arg-type]
        create_time=created,
        like_count=stats.like_count,
        comment_count=stats.comment_count,
        share_count=stats.share_count,
        mention_ids=list(post.mention_ids),
        liked_by_me=stats.liked_by_viewer,
    )


class PostServicer(post_service_pb2_grpc.PostServiceServicer):
    def __init__(self, posts: PostUseCases):
        self.posts = posts

    async def CreatePost(
        self, request: post_service_pb2.CreatePostRequest, context: grpc.aio.ServicerContext
    ) -> post_pb2.Post:
        view = await self.posts.create_post(
            NewPost(
                author_id=identity.caller_id(context),
                text=request.text,
                media_refs=list(request.media_refs),
                visibility=Visibility.from_wire(request.visibility),
                idempotency_key=identity.metadata_value(context, IDEMPOTENCY_KEY),
            )
        )
        return to_proto(view.post, view.stats)

    async def GetPost(
        self, request: post_service_pb2.GetPostRequest, context: grpc.aio.ServicerContext
    ) -> post_pb2.Post:
        view = await self.posts.get_post(identity.caller_id(context), request.post_id)
        return to_proto(view.post, view.stats)

    async def DeletePost(
        self, request: post_service_pb2.DeletePostRequest, context: grpc.aio.ServicerContext
    ) -> post_service_pb2.DeletePostResponse:
        await self.posts.delete_post(identity.caller_id(context), request.post_id)
        return post_service_pb2.DeletePostResponse()

    async def ListUserPosts(
        self, request: post_service_pb2.ListUserPostsRequest, context: grpc.aio.ServicerContext
    ) -> post_service_pb2.ListUserPostsResponse:
        page = await self.posts.list_user_posts(
            identity.caller_id(context), request.user_id, request.cursor, page_limit(request.limit)
        )
        return post_service_pb2.ListUserPostsResponse(
            posts=[to_proto(v.post, v.stats) for v in page.posts], next_cursor=page.next_cursor
        )
