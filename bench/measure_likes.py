"""Likes through the gateway, and the floor they are judged against.

Every call is native gRPC through Envoy (127.0.0.1:FEEDMESH_GATEWAY_PORT, h2c) with the liker's access token: the
listener, JWT check, per-user write budget, route and upstream connections of `POST /v1/posts/{id}/like`, minus the
JSON transcoding. gRPC rather than REST because the client is one Python process on the machine that runs the whole
stack: grpc.aio's C core costs it a fraction of what an HTTP/1.1 JSON client costs per call, so the rates compare the
server side, not two clients.

- The floor: LikePost with post_id 0, which the engagement service refuses (INVALID_ARGUMENT) before any store work:
  the same route, token check, write budget and engagement process as a like, and nothing of the like's own work.
- Likes on many posts: every call is a new (user, post) pair (`LikePairs`), so every like is stored.
- The storm: each of the likers likes one fresh post once, all at the same concurrency.

Users are taken in turn, so each one's share of the calls stays far under the gateway's per-user write budget
(FEEDMESH_RATE_WRITE_PER_MIN); `GatewayLikes.writes` counts them.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

import grpc
from feedmesh.engagement.v1 import engagement_service_pb2, engagement_service_pb2_grpc

from bench.env import as_user
from bench.loadgen import LoadResult, channels, closed_loop, closed_loop_count

CALL_TIMEOUT = 10.0
NO_POST = engagement_service_pb2.LikePostRequest(post_id=0)


async def refused(call: Awaitable[object]) -> None:
    """A floor call succeeds when the service refuses it (INVALID_ARGUMENT); any other answer stops the run."""
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
            return
        raise
    raise RuntimeError("LikePost(post_id=0) was accepted: the floor is not a no-op any more")


@dataclass(frozen=True)
class Liker:
    user_id: int
    token: str

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),)


def pair_at(n: int, users: int, posts: int) -> tuple[int, int]:
    """The n-th (user, post) pair: user n mod U on post (n div U + n mod U) mod P. Consecutive calls go to
    different users and posts; a user's k-th like is on the post after its (k-1)-th, so the first U x P pairs are
    all distinct."""
    user = n % users
    return user, (n // users + user) % posts


class LikePairs:
    """Hands out distinct (user index, post index) pairs, across all the rounds of a run."""

    def __init__(self, users: int, posts: int):
        self.users, self.posts = users, posts
        self.taken = 0

    def take(self) -> tuple[int, int]:
        if self.taken >= self.users * self.posts:
            raise RuntimeError(f"all {self.users * self.posts:,} (user, post) pairs are used: add users or posts")
        pair = pair_at(self.taken, self.users, self.posts)
        self.taken += 1
        return pair


@dataclass(frozen=True)
class LoadShape:
    """What the floor and the likes share, so that their ratio compares servers, not clients."""

    concurrency: int
    n_channels: int


class GatewayLikes:
    """The likers' calls through the gateway, over `shape.n_channels` HTTP/2 connections."""

    def __init__(self, gateway: str, likers: Sequence[Liker], shape: LoadShape):
        self.likers = list(likers)
        self.shape = shape
        self._metadata = [liker.metadata for liker in self.likers]
        self._channels = channels(gateway, shape.n_channels)
        self._stubs = [engagement_service_pb2_grpc.EngagementServiceStub(c) for c in self._channels]
        self._turn = itertools.count()
        self.writes = [0] * len(self.likers)
        """Calls per liker so far (each spends one token of the liker's gateway write budget)."""

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()

    async def _like(self, n: int, user: int, post_id: int) -> engagement_service_pb2.LikePostResponse:
        self.writes[user] += 1
        stub = self._stubs[n % len(self._stubs)]
        reply: engagement_service_pb2.LikePostResponse = await stub.LikePost(
            engagement_service_pb2.LikePostRequest(post_id=post_id) if post_id else NO_POST,
            metadata=self._metadata[user],
            timeout=CALL_TIMEOUT,
        )
        return reply

    async def noop(self, n: int) -> None:
        await refused(self._like(n, next(self._turn) % len(self.likers), 0))

    async def floor(self, seconds: float) -> LoadResult:
        return await closed_loop(self.noop, concurrency=self.shape.concurrency, seconds=seconds)

    async def many_posts(self, pairs: LikePairs, post_ids: Sequence[int], seconds: float) -> LoadResult:
        async def like(n: int) -> None:
            user, post = pairs.take()
            if not (await self._like(n, user, post_ids[post])).liked:
                raise RuntimeError("LikePost answered liked=false")

        return await closed_loop(like, concurrency=self.shape.concurrency, seconds=seconds)

    async def storm(self, post_id: int, likers: int) -> LoadResult:
        """The first `likers` likers like `post_id`, once each."""

        async def like(n: int) -> None:
            if not (await self._like(n, n, post_id)).liked:
                raise RuntimeError("LikePost answered liked=false")

        return await closed_loop_count(like, count=likers, concurrency=self.shape.concurrency)

    def max_writes_per_user(self) -> int:
        return max(self.writes, default=0)


async def direct_floor(target: str, likers: Sequence[Liker], shape: LoadShape, seconds: float) -> LoadResult:
    """The floor's call straight to the engagement service (no Envoy), with the header the gateway would set: what
    the gateway adds to the floor."""
    chans = channels(target, shape.n_channels)
    stubs = [engagement_service_pb2_grpc.EngagementServiceStub(c) for c in chans]
    metadata = [as_user(liker.user_id) for liker in likers]

    async def noop(n: int) -> None:
        await refused(
            stubs[n % len(stubs)].LikePost(NO_POST, metadata=metadata[n % len(metadata)], timeout=CALL_TIMEOUT)
        )

    try:
        return await closed_loop(noop, concurrency=shape.concurrency, seconds=seconds)
    finally:
        for channel in chans:
            await channel.close()
