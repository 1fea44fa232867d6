"""GraphInternalService over gRPC (what other services ask of the graph; every user named explicitly): proto ->
domain arguments, a use case, domain -> proto. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2 as pb
from feedmesh.graph.internal.v1 import graph_internal_service_pb2_grpc as pb_grpc
from feedmesh.post.v1 import visibility_pb2

from services.common.errors import InvalidArgument
from services.graph.app.queries import Queries
from services.graph.app.visibility import VisibilityChecks
from services.graph.domain.model import Candidate, Counts, Visibility

INTERNAL_SERVICE_NAME = "feedmesh.graph.internal.v1.GraphInternalService"

_VISIBILITY = {
    visibility_pb2.VISIBILITY_UNSPECIFIED: Visibility.PUBLIC,  # "treated as PUBLIC", as on create
    visibility_pb2.PUBLIC: Visibility.PUBLIC,
    visibility_pb2.FOLLOWERS: Visibility.FOLLOWERS,
    visibility_pb2.CLOSE_FRIENDS: Visibility.CLOSE_FRIENDS,
}


def candidate(message: pb.VisibilityCandidate) -> Candidate:
    visibility = _VISIBILITY.get(message.visibility)
    if visibility is None:
        raise InvalidArgument(
            f"candidate {message.post_id} has an unknown visibility {message.visibility}", reason="BAD_VISIBILITY"
        )
    return Candidate(post_id=message.post_id, author_id=message.author_id, visibility=visibility)


class GraphInternalServicer(pb_grpc.GraphInternalServiceServicer):
    def __init__(self, *, queries: Queries, visibility: VisibilityChecks):
        self.queries = queries
        self.visibility = visibility

    async def ListFollowerIds(
        self, request: pb.ListFollowerIdsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFollowerIdsResponse:
        page = await self.queries.follower_ids(request.author_id, request.cursor, request.limit)
        return pb.ListFollowerIdsResponse(
            follower_ids=page.ids,
            next_cursor=page.next_cursor,
            follower_count=page.follower_count,
            author_is_celebrity=page.celebrity,
            relationship_version=page.version,
        )

    async def ListFolloweeIds(
        self, request: pb.ListFolloweeIdsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFolloweeIdsResponse:
        split = await self.queries.followee_ids(request.user_id)
        return pb.ListFolloweeIdsResponse(
            pushed_ids=split.pushed,
            celebrity_ids=split.celebrities,
            celebrity_threshold=split.threshold,
            close_friend_of_ids=split.close_friend_of,
            relationship_version=split.version,
        )

    async def ListCloseFriendIds(
        self, request: pb.ListCloseFriendIdsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCloseFriendIdsResponse:
        return pb.ListCloseFriendIdsResponse(friend_ids=await self.queries.close_friend_ids(request.owner_id))

    async def BatchCheckVisibility(
        self, request: pb.BatchCheckVisibilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchCheckVisibilityResponse:
        decisions = await self.visibility.check(request.viewer_id, [candidate(c) for c in request.candidates])
        return pb.BatchCheckVisibilityResponse(visible=decisions)

    async def BatchCheckAudience(
        self, request: pb.BatchCheckAudienceRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchCheckAudienceResponse:
        decisions = await self.visibility.audience(candidate(request.post), list(request.viewer_ids))
        return pb.BatchCheckAudienceResponse(visible=decisions)

    async def BatchGetUserCounts(
        self, request: pb.BatchGetUserCountsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetUserCountsResponse:
        counts = await self.queries.user_counts(request.user_ids)
        response = pb.BatchGetUserCountsResponse()
        for user_id in request.user_ids:
            found = counts.get(user_id, Counts())
            response.counts.add(user_id=user_id, follower_count=found.followers, following_count=found.following)
        return response
