"""feedmesh.engagement.v1.EngagementService: proto in, use case, proto out. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.engagement.v1 import engagement_service_pb2_grpc as pb_grpc
from google.protobuf import timestamp_pb2

from services.common import identity
from services.common.pagination import page_limit
from services.engagement.app.comments import Comments
from services.engagement.app.reactions import Reactions
from services.engagement.domain.model import Comment, LikeState

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["EngagementService"].full_name
IDEMPOTENCY_KEY = "idempotency-key"


def comment_to_proto(comment: Comment) -> pb.Comment:
    created = timestamp_pb2.Timestamp()
    created.FromDatetime(comment.created_at)
    return pb.Comment(
        id=comment.id, post_id=comment.post_id, author_id=comment.author_id, text=comment.text, create_time=created
    )


class EngagementServicer(pb_grpc.EngagementServiceServicer):
    def __init__(self, reactions: Reactions, comments: Comments):
        self.reactions = reactions
        self.comments = comments

    async def LikePost(self, request: pb.LikePostRequest, context: grpc.aio.ServicerContext) -> pb.LikePostResponse:
        state: LikeState = await self.reactions.like(
            identity.caller_id(context), request.post_id, identity.metadata_value(context, IDEMPOTENCY_KEY)
        )
        return pb.LikePostResponse(liked=state.liked, like_count=state.like_count)

    async def UnlikePost(
        self, request: pb.UnlikePostRequest, context: grpc.aio.ServicerContext
    ) -> pb.UnlikePostResponse:
        state = await self.reactions.unlike(
            identity.caller_id(context), request.post_id, identity.metadata_value(context, IDEMPOTENCY_KEY)
        )
        return pb.UnlikePostResponse(liked=state.liked, like_count=state.like_count)

    async def CreateComment(self, request: pb.CreateCommentRequest, context: grpc.aio.ServicerContext) -> pb.Comment:
        comment = await self.comments.create(
            identity.caller_id(context),
            request.post_id,
            request.text,
            identity.metadata_value(context, IDEMPOTENCY_KEY),
        )
        return comment_to_proto(comment)

    async def ListComments(
        self, request: pb.ListCommentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCommentsResponse:
        page = await self.comments.list(
            identity.caller_id(context), request.post_id, request.cursor, page_limit(request.limit)
        )
        return pb.ListCommentsResponse(
            comments=[comment_to_proto(c) for c in page.comments], next_cursor=page.next_cursor
        )

    async def DeleteComment(
        self, request: pb.DeleteCommentRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteCommentResponse:
        await self.comments.delete(identity.caller_id(context), request.post_id, request.comment_id)
        return pb.DeleteCommentResponse()

    async def SharePost(self, request: pb.SharePostRequest, context: grpc.aio.ServicerContext) -> pb.SharePostResponse:
        shared = await self.reactions.share(
            identity.caller_id(context), request.post_id, identity.metadata_value(context, IDEMPOTENCY_KEY)
        )
        return pb.SharePostResponse(share_count=shared.share_count)
