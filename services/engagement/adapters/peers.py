"""The peers asked whether the caller may engage with a post. The post service: BatchGetPosts tells a live post's
author and audience; GetPost, asked as the caller, applies every visibility rule (private accounts, blocks, close
friends, deletion). The graph: BatchCheckAudience decides on the author and audience, as the post service would.
A failed call other than NOT_FOUND raises grpc.aio.AioRpcError, which the server's instrumentation turns into
UNAVAILABLE (or INTERNAL).

The graph is asked about many viewers of one author's posts at once: a like whose viewer was
not decided yet waits for the call in flight about that author's audience, if any, and goes with the next one
(adapters.coalesced_calls), so a burst of first likes on one author's posts costs a few graph calls, not one each;
posts not known yet are looked up together the same way (BatchGetPosts)."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2, graph_internal_service_pb2_grpc
from feedmesh.post.internal.v1 import post_internal_service_pb2, post_internal_service_pb2_grpc
from feedmesh.post.v1 import post_pb2, post_service_pb2, post_service_pb2_grpc, visibility_pb2

from services.common.clients import ChannelPool
from services.common.errors import NotFound
from services.common.identity import USER_ID_HEADER
from services.common.visibility import Visibility
from services.engagement.adapters.coalesced_calls import CoalescedCalls
from services.engagement.domain.model import PostRef

_AUDIENCE = {visibility_pb2.FOLLOWERS: Visibility.FOLLOWERS, visibility_pb2.CLOSE_FRIENDS: Visibility.CLOSE_FRIENDS}
_WIRE = {Visibility.PUBLIC: visibility_pb2.PUBLIC, **{audience: wire for wire, audience in _AUDIENCE.items()}}


# The graph decides at most 1000 viewers per BatchCheckAudience; the post service looks up at most 1000 posts per
# BatchGetPosts.
AUDIENCE_BATCH = 1000
POSTS_BATCH = 1000


class PostServiceDirectory:
    def __init__(self, pool: ChannelPool, target: str):
        self._stub = post_service_pb2_grpc.PostServiceStub(pool.channel(target))
        self._internal = post_internal_service_pb2_grpc.PostInternalServiceStub(pool.channel(target))
        self._lookups: CoalescedCalls[None, int, PostRef | None] = CoalescedCalls(
            self._live_posts, max_batch=POSTS_BATCH
        )

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
        post = await self._lookups.ask(None, post_id)
        if post is None:
            raise NotFound("post not found", reason="POST_NOT_FOUND")
        return post

    async def _live_posts(self, _: None, post_ids: Sequence[int]) -> list[PostRef | None]:
        response = await self._internal.BatchGetPosts(post_internal_service_pb2.BatchGetPostsRequest(post_ids=post_ids))
        found = {post.id: _post_ref(post) for post in response.posts}
        return [found.get(post_id) for post_id in post_ids]


def _post_ref(post: post_pb2.Post) -> PostRef:
    return PostRef(post.id, post.author_id, _AUDIENCE.get(post.visibility, Visibility.PUBLIC))


class GraphAudience:
    """Implements app.visible_posts.AudienceCheck. "May see" depends on the author and the post's audience, never on
    the post itself, so viewers of different posts of one author and audience share a call (any of the posts
    stands for them)."""

    def __init__(self, pool: ChannelPool, target: str, *, max_batch: int = AUDIENCE_BATCH):
        self._stub = graph_internal_service_pb2_grpc.GraphInternalServiceStub(pool.channel(target))
        self._calls: CoalescedCalls[tuple[int, Visibility], int, bool] = CoalescedCalls(
            self._decide, max_batch=min(max_batch, AUDIENCE_BATCH)
        )
        self._example_post: dict[tuple[int, Visibility], int] = {}

    async def may_see(self, viewer_id: int, post: PostRef) -> bool:
        audience = (post.author_id, post.visibility)
        self._example_post[audience] = post.id
        return await self._calls.ask(audience, viewer_id)

    async def _decide(self, audience: tuple[int, Visibility], viewer_ids: Sequence[int]) -> list[bool]:
        author_id, visibility = audience
        candidate = graph_internal_service_pb2.VisibilityCandidate(
            post_id=self._example_post.pop(audience, 0), author_id=author_id, visibility=_WIRE[visibility]
        )
        response = await self._stub.BatchCheckAudience(
            graph_internal_service_pb2.BatchCheckAudienceRequest(post=candidate, viewer_ids=viewer_ids)
        )
        if len(response.visible) != len(viewer_ids):
            raise RuntimeError("BatchCheckAudience answered a different number of viewers")
        return list(response.visible)
