"""gRPC clients of the peer services, on the shared channel pool (a deadline on every call). Proto <-> domain."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import grpc
from feedmesh.auth.internal.v1 import auth_internal_service_pb2, auth_internal_service_pb2_grpc
from feedmesh.auth.v1 import user_pb2
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2, engagement_internal_service_pb2_grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2, graph_internal_service_pb2_grpc
from feedmesh.post.internal.v1 import post_internal_service_pb2, post_internal_service_pb2_grpc
from feedmesh.post.v1 import post_pb2, visibility_pb2

from services.common.clients import ChannelPool
from services.common.errors import Unavailable
from services.common.visibility import Visibility
from services.timeline.app.ports import FollowerPage
from services.timeline.domain.delivery import Followees
from services.timeline.domain.feed import Author, FollowCounts, Post, PostStats

log = logging.getLogger(__name__)

_BATCH = 1000  # the peers' batch limit


def _unavailable(peer: str, exc: grpc.aio.AioRpcError) -> Unavailable:
    log.warning("peer call failed", extra={"peer": peer, "code": exc.code().name, "details": exc.details()})
    return Unavailable(f"the {peer} service is unavailable; retry later", reason=f"{peer.upper()}_UNAVAILABLE")


def _ns(ts: object) -> int:
    return int(getattr(ts, "seconds", 0)) * 1_000_000_000 + int(getattr(ts, "nanos", 0))


_VISIBILITY = {
    visibility_pb2.FOLLOWERS: Visibility.FOLLOWERS,
    visibility_pb2.CLOSE_FRIENDS: Visibility.CLOSE_FRIENDS,
}  # anything else (PUBLIC, unset) is public


def post_from_proto(p: post_pb2.Post) -> Post:
    return Post(
        id=p.id,
        author_id=p.author_id,
        text=p.text,
        visibility=_VISIBILITY.get(p.visibility, Visibility.PUBLIC),
        create_time_ns=_ns(p.create_time),
        media_refs=tuple(p.media_refs),
        mention_ids=tuple(p.mention_ids),
    )


def author_from_proto(u: user_pb2.User) -> Author:
    return Author(
        id=u.id,
        handle=u.handle,
        display_name=u.display_name,
        private=u.private,
        create_time_ns=_ns(u.create_time),
        follower_count=u.follower_count,
        following_count=u.following_count,
    )


class GraphClient:
    def __init__(self, channels: ChannelPool, target: str):
        self.stub = graph_internal_service_pb2_grpc.GraphInternalServiceStub(channels.channel(target))

    async def followees(self, user_id: int) -> Followees:
        try:
            r = await self.stub.ListFolloweeIds(graph_internal_service_pb2.ListFolloweeIdsRequest(user_id=user_id))
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("graph", exc) from None
        return Followees(
            pushed=frozenset(r.pushed_ids),
            celebrities=frozenset(r.celebrity_ids),
            close_friend_of=frozenset(r.close_friend_of_ids),
            version=r.relationship_version,
        )

    async def user_counts(self, user_ids: Sequence[int]) -> dict[int, FollowCounts]:
        counts: dict[int, FollowCounts] = {}
        try:
            for start in range(0, len(user_ids), _BATCH):
                r = await self.stub.BatchGetUserCounts(
                    graph_internal_service_pb2.BatchGetUserCountsRequest(
                        user_ids=list(user_ids[start : start + _BATCH])
                    )
                )
                counts.update((c.user_id, FollowCounts(c.follower_count, c.following_count)) for c in r.counts)
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("graph", exc) from None
        return counts

    async def follower_page(self, author_id: int, cursor: str, limit: int) -> FollowerPage:
        r = await self.stub.ListFollowerIds(
            graph_internal_service_pb2.ListFollowerIdsRequest(author_id=author_id, cursor=cursor, limit=limit)
        )
        return FollowerPage(
            list(r.follower_ids), r.next_cursor, r.follower_count, r.relationship_version, r.author_is_celebrity
        )


class PostClient:
    def __init__(self, channels: ChannelPool, target: str):
        self.stub = post_internal_service_pb2_grpc.PostInternalServiceStub(channels.channel(target))

    async def batch_get(self, post_ids: Sequence[int]) -> list[Post]:
        out: list[Post] = []
        try:
            for start in range(0, len(post_ids), _BATCH):
                r = await self.stub.BatchGetPosts(
                    post_internal_service_pb2.BatchGetPostsRequest(post_ids=list(post_ids[start : start + _BATCH]))
                )
                out.extend(post_from_proto(p) for p in r.posts)
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("post", exc) from None
        return out


class AuthClient:
    def __init__(self, channels: ChannelPool, target: str):
        self.stub = auth_internal_service_pb2_grpc.AuthInternalServiceStub(channels.channel(target))

    async def batch_get(self, user_ids: Sequence[int]) -> dict[int, Author]:
        if not user_ids:
            return {}
        try:
            r = await self.stub.BatchGetUsers(auth_internal_service_pb2.BatchGetUsersRequest(user_ids=list(user_ids)))
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("auth", exc) from None
        return {u.id: author_from_proto(u) for u in r.users}


class EngagementClient:
    """Counts are eventually consistent decoration: not deployed (empty target) or failing means zero counts."""

    def __init__(self, channels: ChannelPool, target: str, timeout_seconds: float):
        self.timeout = timeout_seconds
        self.stub = (
            engagement_internal_service_pb2_grpc.EngagementInternalServiceStub(channels.channel(target))
            if target
            else None
        )

    async def stats(self, viewer: int, post_ids: Sequence[int]) -> dict[int, PostStats]:
        if self.stub is None or not post_ids:
            return {}
        try:
            r = await self.stub.BatchGetPostStats(
                engagement_internal_service_pb2.BatchGetPostStatsRequest(viewer_id=viewer, post_ids=list(post_ids)),
                timeout=self.timeout,
            )
        except grpc.aio.AioRpcError as exc:
            log.warning("engagement stats unavailable; zero counts served", extra={"code": exc.code().name})
            return {}
        return {s.post_id: PostStats(s.like_count, s.comment_count, s.share_count, s.liked_by_viewer) for s in r.stats}
