"""RankingService over gRPC: proto <-> domain, nothing else."""

from __future__ import annotations

import time

import grpc
from feedmesh.ranking.internal.v1 import ranking_service_pb2, ranking_service_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.errors import InvalidArgument
from services.common.ranking_features import Candidate
from services.ranking.app.scoring import ScorePosts

SERVICE_NAME = "feedmesh.ranking.internal.v1.RankingService"
MAX_CANDIDATES = 1000


def _nanoseconds(moment: Timestamp) -> int:
    # protobuf refuses out-of-range seconds or nanos with a ValueError: a caller's mistake, not an INTERNAL
    try:
        return int(moment.ToNanoseconds())
    except ValueError as invalid:
        raise InvalidArgument(
            f"a candidate's create_time is not a valid timestamp: {invalid}", reason="BAD_TIME"
        ) from None


class RankingServicer(ranking_service_pb2_grpc.RankingServiceServicer):
    def __init__(self, score: ScorePosts, *, default_budget_seconds: float, reserve_seconds: float):
        self.score = score
        self.default_budget = default_budget_seconds
        # What building the rows, predicting and answering take after the features: kept out of the features' budget.
        self.reserve = reserve_seconds

    async def ScorePosts(
        self, request: ranking_service_pb2.ScorePostsRequest, context: grpc.aio.ServicerContext
    ) -> ranking_service_pb2.ScorePostsResponse:
        if request.viewer_id <= 0:
            raise InvalidArgument("viewer_id is required", reason="MISSING_VIEWER")
        if len(request.candidates) > MAX_CANDIDATES:
            raise InvalidArgument(f"at most {MAX_CANDIDATES} candidates", reason="TOO_MANY_CANDIDATES")
        remaining = context.time_remaining()
        budget = (self.default_budget if remaining is None else remaining) - self.reserve
        now_ns = time.time_ns()
        candidates = [
            Candidate(
                author_id=c.author_id,
                age_hours=(now_ns - _nanoseconds(c.create_time)) / 3.6e12,
                likes=c.like_count,
                comments=c.comment_count,
                shares=c.share_count,
                has_media=c.has_media,
            )
            for c in request.candidates
        ]
        scored = await self.score(
            request.viewer_id,
            [c.post_id for c in request.candidates],
            candidates,
            forced_arm=request.experiment,
            budget_seconds=budget,
        )
        return ranking_service_pb2.ScorePostsResponse(
            scores=scored.scores,
            model_version=scored.model_version,
            fallback=scored.fallback,
            experiment=scored.experiment,
        )
