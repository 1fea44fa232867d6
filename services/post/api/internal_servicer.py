"""feedmesh.post.internal.v1.PostInternalService (what other services ask of posts): proto in, use case, proto out.
Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.post.internal.v1 import post_internal_service_pb2 as pb
from feedmesh.post.internal.v1 import post_internal_service_pb2_grpc as pb_grpc

from services.common.pagination import page_limit
from services.post.api.servicer import to_proto
from services.post.app.posts import PostUseCases

INTERNAL_SERVICE_NAME = "feedmesh.post.internal.v1.PostInternalService"
AUTHOR_IDS_DEFAULT_LIMIT = 100
AUTHOR_IDS_MAX_LIMIT = 1000


class PostInternalServicer(pb_grpc.PostInternalServiceServicer):
    def __init__(self, posts: PostUseCases):
        self.posts = posts

    async def BatchGetPosts(
        self, request: pb.BatchGetPostsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetPostsResponse:
        posts = await self.posts.batch_get_posts(list(request.post_ids))
        return pb.BatchGetPostsResponse(posts=[to_proto(p) for p in posts])

    async def ListAuthorPostIds(
        self, request: pb.ListAuthorPostIdsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAuthorPostIdsResponse:
        limit = page_limit(request.limit, default=AUTHOR_IDS_DEFAULT_LIMIT, maximum=AUTHOR_IDS_MAX_LIMIT)
        ids = await self.posts.list_author_post_ids(request.author_id, request.before_id, limit)
        return pb.ListAuthorPostIdsResponse(post_ids=ids)
