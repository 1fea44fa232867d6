"""EngagementAdminService over gRPC: proto -> domain arguments, an admin use case, domain -> proto. Nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2 as pb
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2_grpc as pb_grpc
from google.protobuf import timestamp_pb2

from services.engagement.app.shadow_ban_admin import ShadowBanAdmin
from services.engagement.domain.shadow_bans import BanState, ShadowBan, UserStatus

_STATE = {
    BanState.NEVER: pb.SHADOW_BAN_STATE_NEVER,
    BanState.ACTIVE: pb.SHADOW_BAN_STATE_ACTIVE,
    BanState.LIFTED: pb.SHADOW_BAN_STATE_LIFTED,
}


def _timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def ban_message(ban: ShadowBan) -> pb.ShadowBan:
    message = pb.ShadowBan(
        user_id=ban.user_id,
        reason=ban.reason,
        banned_by=ban.banned_by,
        ban_time=_timestamp(ban.banned_at),
        lifted_by=ban.lifted_by,
    )
    if ban.lifted_at is not None:
        message.lift_time.CopyFrom(_timestamp(ban.lifted_at))
    return message


def status_message(status: UserStatus) -> pb.UserStatus:
    message = pb.UserStatus(
        user_id=status.user_id,
        account_create_time=_timestamp(status.account_created_at),
        shadow_ban_state=_STATE[status.ban_state],
    )
    if status.ban is not None:
        message.shadow_ban.CopyFrom(ban_message(status.ban))
    if status.rate_limited_until is not None:
        message.rate_limited_until.CopyFrom(_timestamp(datetime.fromtimestamp(status.rate_limited_until, UTC)))
    return message


class EngagementAdminServicer(pb_grpc.EngagementAdminServiceServicer):
    def __init__(self, admin: ShadowBanAdmin):
        self.admin = admin

    async def ShadowBanUser(self, request: pb.ShadowBanUserRequest, context: grpc.aio.ServicerContext) -> pb.UserStatus:
        return status_message(await self.admin.shadow_ban(request.user_id, request.reason, request.operator))

    async def UnbanUser(self, request: pb.UnbanUserRequest, context: grpc.aio.ServicerContext) -> pb.UserStatus:
        return status_message(await self.admin.unban(request.user_id, request.operator))

    async def GetUserStatus(self, request: pb.GetUserStatusRequest, context: grpc.aio.ServicerContext) -> pb.UserStatus:
        return status_message(await self.admin.status(request.user_id))

    async def ListShadowBans(
        self, request: pb.ListShadowBansRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShadowBansResponse:
        bans, cursor = await self.admin.list_active(request.cursor, request.limit)
        return pb.ListShadowBansResponse(shadow_bans=[ban_message(b) for b in bans], next_cursor=cursor)

    async def ClearRateLimit(
        self, request: pb.ClearRateLimitRequest, context: grpc.aio.ServicerContext
    ) -> pb.UserStatus:
        return status_message(await self.admin.clear_rate_limit(request.user_id, request.operator))
