"""GraphService over gRPC: proto -> domain arguments, a use case, domain -> proto. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.auth.v1 import user_pb2
from feedmesh.graph.v1 import graph_service_pb2 as pb
from feedmesh.graph.v1 import graph_service_pb2_grpc as pb_grpc

from services.common.identity import caller_id
from services.graph.app.people import People
from services.graph.app.queries import Queries
from services.graph.app.relationships import Relationships
from services.graph.domain.model import FollowState, UserCard

_FOLLOW_STATE = {FollowState.FOLLOWING: pb.FOLLOWING, FollowState.REQUESTED: pb.REQUESTED}


def user_message(card: UserCard) -> user_pb2.User:
    user = user_pb2.User(
        id=card.profile.id,
        handle=card.profile.handle,
        display_name=card.profile.display_name,
        private=card.profile.private,
        follower_count=card.counts.followers,
        following_count=card.counts.following,
    )
    user.create_time.FromDatetime(card.profile.create_time)
    return user


class GraphServicer(pb_grpc.GraphServiceServicer):
    def __init__(self, *, relationships: Relationships, queries: Queries, people: People):
        self.relationships = relationships
        self.queries = queries
        self.people = people

    async def GetUser(self, request: pb.GetUserRequest, context: grpc.aio.ServicerContext) -> user_pb2.User:
        caller_id(context)
        return user_message(await self.queries.get_user(request.user_id))

    async def GetCurrentUser(
        self, request: pb.GetCurrentUserRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.User:
        return user_message(await self.queries.get_user(caller_id(context)))

    async def FollowUser(
        self, request: pb.FollowUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.FollowUserResponse:
        state = await self.relationships.follow(caller_id(context), request.user_id)
        return pb.FollowUserResponse(state=_FOLLOW_STATE[state])

    async def UnfollowUser(
        self, request: pb.UnfollowUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.UnfollowUserResponse:
        await self.relationships.unfollow(caller_id(context), request.user_id)
        return pb.UnfollowUserResponse()

    async def ListFollowRequests(
        self, request: pb.ListFollowRequestsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFollowRequestsResponse:
        cards, cursor = await self.queries.list_follow_requests(caller_id(context), request.cursor, request.limit)
        return pb.ListFollowRequestsResponse(requests=[user_message(c) for c in cards], next_cursor=cursor)

    async def ApproveFollowRequest(
        self, request: pb.ApproveFollowRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.ApproveFollowRequestResponse:
        await self.relationships.approve(caller_id(context), request.user_id)
        return pb.ApproveFollowRequestResponse()

    async def RejectFollowRequest(
        self, request: pb.RejectFollowRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.RejectFollowRequestResponse:
        await self.relationships.reject(caller_id(context), request.user_id)
        return pb.RejectFollowRequestResponse()

    async def BlockUser(self, request: pb.BlockUserRequest, context: grpc.aio.ServicerContext) -> pb.BlockUserResponse:
        await self.relationships.block(caller_id(context), request.user_id)
        return pb.BlockUserResponse()

    async def UnblockUser(
        self, request: pb.UnblockUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.UnblockUserResponse:
        await self.relationships.unblock(caller_id(context), request.user_id)
        return pb.UnblockUserResponse()

    async def AddCloseFriend(
        self, request: pb.AddCloseFriendRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddCloseFriendResponse:
        await self.relationships.add_close_friend(caller_id(context), request.user_id)
        return pb.AddCloseFriendResponse()

    async def RemoveCloseFriend(
        self, request: pb.RemoveCloseFriendRequest, context: grpc.aio.ServicerContext
    ) -> pb.RemoveCloseFriendResponse:
        await self.relationships.remove_close_friend(caller_id(context), request.user_id)
        return pb.RemoveCloseFriendResponse()

    async def ListFollowers(
        self, request: pb.ListFollowersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFollowersResponse:
        viewer_id = caller_id(context)
        cards, cursor = await self.queries.list_followers(viewer_id, request.user_id, request.cursor, request.limit)
        return pb.ListFollowersResponse(users=[user_message(c) for c in cards], next_cursor=cursor)

    async def ListFollowing(
        self, request: pb.ListFollowingRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFollowingResponse:
        viewer_id = caller_id(context)
        cards, cursor = await self.queries.list_following(viewer_id, request.user_id, request.cursor, request.limit)
        return pb.ListFollowingResponse(users=[user_message(c) for c in cards], next_cursor=cursor)

    async def GetRelationship(
        self, request: pb.GetRelationshipRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRelationshipResponse:
        view = await self.people.relationship(caller_id(context), request.user_id)
        return pb.GetRelationshipResponse(
            user_id=view.user_id,
            following=view.standing.following,
            requested=view.standing.requested,
            followed_by=view.standing.followed_by,
            blocking=view.standing.blocking,
            close_friend=view.standing.close_friend,
            private=view.private,
        )

    async def SearchUsers(
        self, request: pb.SearchUsersRequest, context: grpc.aio.ServicerContext
    ) -> pb.SearchUsersResponse:
        cards, cursor = await self.people.search_users(caller_id(context), request.query, request.cursor, request.limit)
        return pb.SearchUsersResponse(users=[user_message(c) for c in cards], next_cursor=cursor)
