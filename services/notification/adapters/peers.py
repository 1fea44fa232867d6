"""gRPC clients of the peers on the shared channel pool (a deadline on every call): auth for actors and handles,
graph for close friends and visibility, post for whether a post still exists. Proto <-> the app's types. A peer
that fails raises Unavailable: the consumer's batch fails and is retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import grpc
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2
from feedmesh.graph.v1 import graph_service_pb2, graph_service_pb2_grpc
from feedmesh.post.v1 import post_service_pb2, post_service_pb2_grpc, visibility_pb2

from services.common.clients import ChannelPool
from services.common.errors import Unavailable
from services.common.visibility import Visibility
from services.notification.app.ports import Actor, PostFacts

log = logging.getLogger(__name__)

_VISIBILITY_IN = {
    visibility_pb2.FOLLOWERS: Visibility.FOLLOWERS,
    visibility_pb2.CLOSE_FRIENDS: Visibility.CLOSE_FRIENDS,
}
_VISIBILITY_OUT = {
    Visibility.PUBLIC: visibility_pb2.PUBLIC,
    Visibility.FOLLOWERS: visibility_pb2.FOLLOWERS,
    Visibility.CLOSE_FRIENDS: visibility_pb2.CLOSE_FRIENDS,
}
_CHECKS_AT_ONCE = 16  # visibility asks one viewer per call: a close-friends list is checked a few at a time


def _unavailable(peer: str, exc: grpc.aio.AioRpcError) -> Unavailable:
    log.warning("peer call failed", extra={"peer": peer, "code": exc.code().name, "details": exc.details()})
    return Unavailable(f"the {peer} service is unavailable; retry later", reason=f"{peer.upper()}_UNAVAILABLE")


def actor_from_proto(u: user_pb2.User) -> Actor:
    return Actor(
        id=u.id,
        handle=u.handle,
        display_name=u.display_name,
        private=u.private,
        create_time_ns=u.create_time.ToNanoseconds(),
    )


class AuthUsers:
    def __init__(self, channels: ChannelPool, target: str):
        self.stub = auth_service_pb2_grpc.AuthServiceStub(channels.channel(target))

    async def actors(self, user_ids: Sequence[int]) -> dict[int, Actor]:
        if not user_ids:
            return {}
        try:
            r = await self.stub.BatchGetUsers(auth_service_pb2.BatchGetUsersRequest(user_ids=sorted(set(user_ids))))
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("auth", exc) from None
        return {u.id: actor_from_proto(u) for u in r.users}

    async def ids_by_handle(self, handles: Sequence[str]) -> dict[str, int]:
        try:
            r = await self.stub.BatchGetUsersByHandle(
                auth_service_pb2.BatchGetUsersByHandleRequest(handles=list(handles))
            )
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("auth", exc) from None
        return {u.handle.lower(): u.id for u in r.users}


class GraphPeer:
    def __init__(self, channels: ChannelPool, target: str):
        self.stub = graph_service_pb2_grpc.GraphServiceStub(channels.channel(target))
        self._gate = asyncio.Semaphore(_CHECKS_AT_ONCE)

    async def close_friends(self, owner_id: int) -> list[int]:
        try:
            r = await self.stub.ListCloseFriendIds(graph_service_pb2.ListCloseFriendIdsRequest(owner_id=owner_id))
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("graph", exc) from None
        return list(r.friend_ids)

    async def who_may_see(self, viewers: Sequence[int], post: PostFacts) -> set[int]:
        candidate = graph_service_pb2.VisibilityCandidate(
            post_id=post.post_id, author_id=post.author_id, visibility=_VISIBILITY_OUT[post.visibility]
        )

        async def may_see(viewer: int) -> bool:
            async with self._gate:
                try:
                    r = await self.stub.BatchCheckVisibility(
                        graph_service_pb2.BatchCheckVisibilityRequest(viewer_id=viewer, candidates=[candidate])
                    )
                except grpc.aio.AioRpcError as exc:
                    raise _unavailable("graph", exc) from None
            return bool(r.visible and r.visible[0])

        decisions = await asyncio.gather(*(may_see(v) for v in viewers))
        return {v for v, visible in zip(viewers, decisions, strict=True) if visible}


class PostPeer:
    def __init__(self, channels: ChannelPool, target: str):
        self.stub = post_service_pb2_grpc.PostServiceStub(channels.channel(target))

    async def live_post(self, post_id: int) -> PostFacts | None:
        try:
            r = await self.stub.BatchGetPosts(post_service_pb2.BatchGetPostsRequest(post_ids=[post_id]))
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("post", exc) from None
        for p in r.posts:
            return PostFacts(p.id, p.author_id, _VISIBILITY_IN.get(p.visibility, Visibility.PUBLIC))
        return None
