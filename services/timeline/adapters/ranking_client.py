"""The ranking service's client: a ranked first page asks ScorePosts for its window's scores with a strict budget,
and anything but a timely, well-formed answer is RankingUnavailable, so the page degrades to chronological instead
of waiting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import grpc
from feedmesh.ranking.internal.v1 import ranking_service_pb2, ranking_service_pb2_grpc

from services.common.clients import ChannelPool
from services.timeline.app.ports import RankingUnavailable
from services.timeline.domain.feed import Post, PostStats, Ranking

# The fallback causes the metric tells apart: the deadline passed on the way (timeout), or the service said it could
# not answer in time or at all (unavailable: its features missed the budget, or it is down).
_CAUSES = {grpc.StatusCode.DEADLINE_EXCEEDED: "timeout", grpc.StatusCode.UNAVAILABLE: "unavailable"}


class RankingClient:
    """Implements app.ports.Ranker. An empty target: not deployed (ranked feeds are chronological, not degraded)."""

    def __init__(self, channels: ChannelPool, target: str, deadline_seconds: float, experiment: str = ""):
        self.deadline = deadline_seconds
        self.experiment = experiment  # forces an arm ("<experiment>/<arm>"): benchmarks and tests
        self.stub = ranking_service_pb2_grpc.RankingServiceStub(channels.channel(target)) if target else None

    @property
    def enabled(self) -> bool:
        return self.stub is not None

    async def score(self, viewer: int, posts: Sequence[Post], stats: Mapping[int, PostStats]) -> Ranking:
        if self.stub is None:
            raise RankingUnavailable("not_deployed")
        request = ranking_service_pb2.ScorePostsRequest(viewer_id=viewer, experiment=self.experiment)
        for p in posts:
            s = stats.get(p.id, PostStats())
            c = request.candidates.add(
                post_id=p.id,
                author_id=p.author_id,
                like_count=s.like_count,
                comment_count=s.comment_count,
                share_count=s.share_count,
                has_media=bool(p.media_refs),
            )
            created = c.create_time  # set directly: FromNanoseconds costs a quarter of building the request
            created.seconds, created.nanos = divmod(p.create_time_ns, 1_000_000_000)
        # The budget is the gRPC deadline alone: gRPC's core enforces it off the event loop, and it tells the service
        # how long it has. A local timer would also count the time an answer that came in time waits for this busy
        # loop to get to it, and degrade pages for the timeline's own load rather than the ranking service's.
        try:
            r = await self.stub.ScorePosts(request, timeout=self.deadline)
        except grpc.aio.AioRpcError as exc:
            raise RankingUnavailable(_CAUSES.get(exc.code(), "error")) from None
        if len(r.scores) != len(posts):
            raise RankingUnavailable("malformed")
        return Ranking(list(r.scores), r.model_version, r.experiment)
