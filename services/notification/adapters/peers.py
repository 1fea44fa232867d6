"""gRPC clients of the peers on the shared channel pool (a deadline on every call): auth for actors and handles,
graph for close friends and visibility, post for whether a post still exists. Proto <-> the app's types. A peer
that fails raises Unavailable: the consumer's batch fails and is retried."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import grpc
from feedmesh.auth.internal.v1 import auth_internal_service_pb2, auth_internal_service_pb2_grpc
from feedmesh.auth.v1 import user_pb2
from feedmesh.graph.internal.v1 import graph_internal_service_pb2, graph_internal_service_pb2_grpc
from feedmesh.post.internal.v1 import post_internal_service_pb2, post_internal_service_pb2_grpc
from feedmesh.post.v1 import visibility_pb2

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
_CHECKS_AT_ONCE = 16  # visibility asks one author's post per call: a batch's posts are checked a few at a time
_CANDIDATES_PER_CALL = 1000  # BatchGetPosts's limit
_VIEWERS_PER_CALL = 1000  # BatchCheckAudience's limit


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
        self.stub = auth_internal_service_pb2_grpc.AuthInternalServiceStub(channels.channel(target))

    async def actors(self, user_ids: Sequence[int]) -> dict[int, Actor]:
        if not user_ids:
            return {}
        try:
            r = await self.stub.BatchGetUsers(
                auth_internal_service_pb2.BatchGetUsersRequest(user_ids=sorted(set(user_ids)))
            )
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("auth", exc) from None
        return {u.id: actor_from_proto(u) for u in r.users}

    async def ids_by_handle(self, handles: Sequence[str]) -> dict[str, int]:
        try:
            r = await self.stub.BatchGetUsersByHandle(
                auth_internal_service_pb2.BatchGetUsersByHandleRequest(handles=list(handles))
            )
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("auth", exc) from None
        return {u.handle.lower(): u.id for u in r.users}


class GraphPeer:
    """Close friends and visibility from the graph. A visibility decision depends on the viewer, the author and the
    post's visibility only (services.common.visibility), so answers are kept for `cache_seconds`: a viewer
    mentioned by many posts of an author is asked about once. A block meanwhile is not missed (its tombstone drops
    the notification); a follow or close-friend change counts from up to that long later."""

    def __init__(self, channels: ChannelPool, target: str, *, cache_seconds: float = 5.0, cache_size: int = 50_000):
        self.stub = graph_internal_service_pb2_grpc.GraphInternalServiceStub(channels.channel(target))
        self._gate = asyncio.Semaphore(_CHECKS_AT_ONCE)
        self.cache_seconds = cache_seconds
        self.cache_size = cache_size
        self._decided: dict[tuple[int, int, Visibility], tuple[float, bool]] = {}

    async def close_friends(self, owner_id: int) -> list[int]:
        try:
            r = await self.stub.ListCloseFriendIds(
                graph_internal_service_pb2.ListCloseFriendIdsRequest(owner_id=owner_id)
            )
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("graph", exc) from None
        return list(r.friend_ids)

    async def visible(self, checks: Sequence[tuple[int, PostFacts]]) -> set[tuple[int, int]]:
        now = time.monotonic()
        decided: dict[tuple[int, int, Visibility], bool] = {}
        # (author, visibility) -> a post of theirs and the viewers not decided yet: one call per author and
        # visibility, whatever the number of viewers (a post mentioning twenty users is one call).
        unknown: dict[tuple[int, Visibility], tuple[PostFacts, dict[int, None]]] = {}
        for viewer, post in checks:
            key = (viewer, post.author_id, post.visibility)
            cached = self._decided.get(key)
            if cached is not None and cached[0] > now:
                decided[key] = cached[1]
            else:
                unknown.setdefault((post.author_id, post.visibility), (post, {}))[1][viewer] = None
        groups = [(post, list(viewers)) for post, viewers in unknown.values()]
        answers = await asyncio.gather(*(self._ask(post, viewers) for post, viewers in groups))
        if len(self._decided) > self.cache_size:
            self._decided = {k: v for k, v in self._decided.items() if v[0] > now}
        expires = time.monotonic() + self.cache_seconds
        for (post, viewers), visible in zip(groups, answers, strict=True):
            for viewer, seen in zip(viewers, visible, strict=True):
                key = (viewer, post.author_id, post.visibility)
                decided[key] = seen
                if self.cache_seconds > 0:
                    self._decided[key] = (expires, seen)
        return {(v, p.post_id) for v, p in checks if decided[(v, p.author_id, p.visibility)]}

    async def _ask(self, post: PostFacts, viewers: list[int]) -> list[bool]:
        """Calls for the viewers of one post (at most 1000 a call)."""
        facts = graph_internal_service_pb2.VisibilityCandidate(
            post_id=post.post_id, author_id=post.author_id, visibility=_VISIBILITY_OUT[post.visibility]
        )
        decisions: list[bool] = []
        for start in range(0, len(viewers), _VIEWERS_PER_CALL):
            chunk = viewers[start : start + _VIEWERS_PER_CALL]
            async with self._gate:
                try:
                    r = await self.stub.BatchCheckAudience(
                        graph_internal_service_pb2.BatchCheckAudienceRequest(post=facts, viewer_ids=chunk)
                    )
                except grpc.aio.AioRpcError as exc:
                    raise _unavailable("graph", exc) from None
            decisions += [bool(v) for v in r.visible]
        if len(decisions) != len(viewers):
            raise Unavailable("the graph service answered the wrong number of decisions", reason="GRAPH_UNAVAILABLE")
        return decisions


class PostPeer:
    def __init__(self, channels: ChannelPool, target: str):
        self.stub = post_internal_service_pb2_grpc.PostInternalServiceStub(channels.channel(target))

    async def live_posts(self, post_ids: Sequence[int]) -> dict[int, PostFacts]:
        found: dict[int, PostFacts] = {}
        for start in range(0, len(post_ids), _CANDIDATES_PER_CALL):
            request = post_internal_service_pb2.BatchGetPostsRequest(
                post_ids=post_ids[start : start + _CANDIDATES_PER_CALL]
            )
            try:
                r = await self.stub.BatchGetPosts(request)
            except grpc.aio.AioRpcError as exc:
                raise _unavailable("post", exc) from None
            for p in r.posts:
                found[p.id] = PostFacts(p.id, p.author_id, _VISIBILITY_IN.get(p.visibility, Visibility.PUBLIC))
        return found
