"""The peers asked whether the caller may engage with a post. The post service: BatchGetPosts tells a live post's
author and audience; GetPost, asked as the caller, applies every visibility rule (private accounts, blocks, close
friends, deletion). The graph: BatchCheckVisibility decides on the author and audience, as the post service would.
A failed call other than NOT_FOUND raises grpc.aio.AioRpcError, which the server's instrumentation turns into
UNAVAILABLE (or INTERNAL)."""

from __future__ import annotations

import grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2, graph_internal_service_pb2_grpc
from feedmesh.post.internal.v1 import post_internal_service_pb2, post_internal_service_pb2_grpc
from feedmesh.post.v1 import post_pb2, post_service_pb2, post_service_pb2_grpc, visibility_pb2

from services.common.clients import ChannelPool
from services.common.errors import NotFound
from services.common.identity import USER_ID_HEADER
from services.common.visibility import Visibility
from services.engagement.domain.model import PostRef

_AUDIENCE = {visibility_pb2.FOLLOWERS: Visibility.FOLLOWERS, visibility_pb2.CLOSE_FRIENDS: Visibility.CLOSE_FRIENDS}
_WIRE = {Visibility.PUBLIC: visibility_pb2.PUBLIC, **{audience: wire for wire, audience in _AUDIENCE.items()}}


class PostServiceDirectory:
    def __init__(self, pool: ChannelPool, target: str):
        self._stub = post_service_pb2_grpc.PostServiceStub(pool.channel(target))
        self._internal = post_internal_service_pb2_grpc.PostInternalServiceStub(pool.channel(target))

    async def visible_post(self, viewer_id: int, post_id: int) -> PostRef:
        try:
            post = await self._stub.GetPost(
                post_service_pb2.GetPostRequest(post_id=post_id), metadata=((USER_ID_HEADER, str(viewer_id)),)
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                # The post service's answer does not tell unknown, deleted and hidden apart; nor does ours.
                raise NotFound("post not found", reason="POST_NOT_FOUND") from None
            raise
        return _post_ref(post)

    async def live_post(self, post_id: int) -> PostRef:
        response = await self._internal.BatchGetPosts(
            post_internal_service_pb2.BatchGetPostsRequest(post_ids=[post_id])
        )
        if not response.posts:
            raise NotFound("post not found", reason="POST_NOT_FOUND")
        return _post_ref(response.posts[0])


def _post_ref(post: post_pb2.Post) -> PostRef:
    return PostRef(post.id, post.author_id, _AUDIENCE.get(post.visibility, Visibility.PUBLIC))


class GraphAudience:
    """Implements app.visible_posts.AudienceCheck."""

    def __init__(self, pool: ChannelPool, target: str):
        self._stub = graph_internal_service_pb2_grpc.GraphInternalServiceStub(pool.channel(target))

    async def may_see(self, viewer_id: int, post: PostRef) -> bool:
        candidate = graph_internal_service_pb2.VisibilityCandidate(
            post_id=post.id, author_id=post.author_id, visibility=_WIRE[post.visibility]
        )
        response = await self._stub.BatchCheckVisibility(
            graph_internal_service_pb2.BatchCheckVisibilityRequest(viewer_id=viewer_id, candidates=[candidate])
        )
        return len(response.visible) == 1 and response.visible[0]
