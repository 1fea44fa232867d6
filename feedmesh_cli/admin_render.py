"""The admin answers as a person reads them."""

from __future__ import annotations

from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2 as pb
from google.protobuf import timestamp_pb2

_STATE = {
    pb.SHADOW_BAN_STATE_NEVER: "never shadow-banned",
    pb.SHADOW_BAN_STATE_ACTIVE: "SHADOW-BANNED",
    pb.SHADOW_BAN_STATE_LIFTED: "shadow ban lifted",
}


def _when(stamp: timestamp_pb2.Timestamp) -> str:
    return stamp.ToDatetime().strftime("%Y-%m-%d %H:%M:%SZ")


def ban_line(ban: pb.ShadowBan) -> str:
    line = f"banned {_when(ban.ban_time)} by {ban.banned_by}"
    if ban.reason:
        line += f": {ban.reason}"
    if ban.HasField("lift_time"):
        line += f"; lifted {_when(ban.lift_time)} by {ban.lifted_by}"
    return line


def user_status(status: pb.UserStatus) -> str:
    lines = [
        f"user {status.user_id} (account created {_when(status.account_create_time)})",
        f"  shadow ban:  {_STATE.get(status.shadow_ban_state, 'unknown')}",
    ]
    if status.HasField("shadow_ban"):
        lines.append(f"               {ban_line(status.shadow_ban)}")
    if status.HasField("rate_limited_until"):
        lines.append(f"  rate limit:  harder (burst guard) until {_when(status.rate_limited_until)}")
    else:
        lines.append("  rate limit:  normal")
    return "\n".join(lines)


def ban_page(page: pb.ListShadowBansResponse) -> str:
    if not page.shadow_bans:
        return "no shadow bans in force"
    lines = [f"user {ban.user_id}: {ban_line(ban)}" for ban in page.shadow_bans]
    if page.next_cursor:
        lines.append(f"more: feedmesh admin list-bans --cursor {page.next_cursor}")
    return "\n".join(lines)
