"""AuthInternalService over gRPC (what other services ask of auth): proto -> domain arguments, a use case,
domain -> proto. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.auth.internal.v1 import auth_internal_service_pb2 as pb
from feedmesh.auth.internal.v1 import auth_internal_service_pb2_grpc as pb_grpc

from services.auth.api.servicer import user_to_proto
from services.auth.app.accounts import Accounts

INTERNAL_SERVICE_NAME = "feedmesh.auth.internal.v1.AuthInternalService"


class AuthInternalServicer(pb_grpc.AuthInternalServiceServicer):
    def __init__(self, accounts: Accounts):
        self.accounts = accounts

    async def BatchGetUsers(
        self, request: pb.BatchGetUsersRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetUsersResponse:
        users = await self.accounts.by_ids(list(request.user_ids))
        return pb.BatchGetUsersResponse(users=[user_to_proto(u) for u in users])

    async def BatchGetUsersByHandle(
        self, request: pb.BatchGetUsersByHandleRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetUsersByHandleResponse:
        users = await self.accounts.by_handles(list(request.handles))
        return pb.BatchGetUsersByHandleResponse(users=[user_to_proto(u) for u in users])

    async def ListUsersByHandlePrefix(
        self, request: pb.ListUsersByHandlePrefixRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListUsersByHandlePrefixResponse:
        users = await self.accounts.by_handle_prefix(request.prefix, request.after_handle, request.limit)
        return pb.ListUsersByHandlePrefixResponse(users=[user_to_proto(u) for u in users])
