"""feedmesh.engagement.internal.v1.EngagementInternalService (what other services ask of engagement): proto in, use
case, proto out. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2 as pb
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2_grpc as pb_grpc

from services.engagement.app.stats import Stats

INTERNAL_SERVICE_NAME = pb.DESCRIPTOR.services_by_name["EngagementInternalService"].full_name


class EngagementInternalServicer(pb_grpc.EngagementInternalServiceServicer):
    def __init__(self, stats: Stats):
        self.stats = stats

    async def BatchGetPostStats(
        self, request: pb.BatchGetPostStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetPostStatsResponse:
        stats = await self.stats.batch(request.viewer_id, list(request.post_ids))
        return pb.BatchGetPostStatsResponse(
            stats=[
                pb.PostStats(
                    post_id=s.post_id,
                    like_count=s.counts.likes,
                    comment_count=s.counts.comments,
                    share_count=s.counts.shares,
                    liked_by_viewer=s.liked_by_viewer,
                )
                for s in stats
            ]
        )
