"""AuthService over gRPC: proto -> domain arguments, a use case, domain -> proto. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.auth.v1 import auth_service_pb2 as pb
from feedmesh.auth.v1 import auth_service_pb2_grpc as pb_grpc
from feedmesh.auth.v1 import user_pb2
from google.protobuf import timestamp_pb2

from services.auth.app.accounts import Accounts
from services.auth.app.sessions import Sessions
from services.auth.domain.users import User

SERVICE_NAME = "feedmesh.auth.v1.AuthService"


def user_to_proto(user: User) -> user_pb2.User:
    created = timestamp_pb2.Timestamp()
    created.FromDatetime(user.created_at)
    return user_pb2.User(
        id=user.id,
        handle=user.handle,
        display_name=user.display_name,
        private=user.private,
        create_time=created,
    )


class AuthServicer(pb_grpc.AuthServiceServicer):
    def __init__(self, accounts: Accounts, sessions: Sessions):
        self.accounts = accounts
        self.sessions = sessions

    async def CreateUser(self, request: pb.CreateUserRequest, context: grpc.aio.ServicerContext) -> user_pb2.User:
        user = await self.accounts.register(request.handle, request.password, request.display_name, request.private)
        return user_to_proto(user)

    async def CreateSession(
        self, request: pb.CreateSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSessionResponse:
        token = await self.sessions.login(request.handle, request.password)
        return pb.CreateSessionResponse(access_token=token.token, expires_in=token.expires_in, user_id=token.user_id)

    async def GetJwks(self, request: pb.GetJwksRequest, context: grpc.aio.ServicerContext) -> pb.GetJwksResponse:
        return pb.GetJwksResponse(keys=[pb.Jwk(**jwk) for jwk in self.sessions.jwks()])
