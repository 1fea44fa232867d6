"""EngagementAdminService against the real PostgreSQL and Redis: shadow-ban, status, list, unban, lift the harder
limit; bad input answers INVALID_ARGUMENT; a ban reaches every engagement process's guard at once."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2 as pb
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2_grpc as pb_grpc

from services.common import redis_keys
from services.common.ids import min_id_at
from services.common.redis_mux import RedisMux
from services.engagement.abuse_settings import AbuseSettings
from services.engagement.abuse_wiring import build_anti_abuse
from services.engagement.domain.model import Action
from tests.integration.auth.test_auth_service import reason_of
from tests.integration.engagement.abuse.conftest import DAY, user_id_aged

Admin = pb_grpc.EngagementAdminServiceStub


async def active_ban_ids(admin: Admin) -> list[int]:
    ids: list[int] = []
    cursor = ""
    while True:
        page = await admin.ListShadowBans(pb.ListShadowBansRequest(cursor=cursor, limit=100))
        ids += [ban.user_id for ban in page.shadow_bans]
        if not page.next_cursor:
            return ids
        cursor = page.next_cursor


async def test_ban_status_list_unban(admin: Admin, users: list[int]) -> None:
    user = user_id_aged(3 * DAY)
    users.append(user)
    status = await admin.GetUserStatus(pb.GetUserStatusRequest(user_id=user))
    assert status.shadow_ban_state == pb.SHADOW_BAN_STATE_NEVER and not status.HasField("shadow_ban")
    assert abs(status.account_create_time.ToSeconds() - (time.time() - 3 * DAY)) < 5

    banned = await admin.ShadowBanUser(pb.ShadowBanUserRequest(user_id=user, reason="spam ring", operator="alice"))
    assert banned.shadow_ban_state == pb.SHADOW_BAN_STATE_ACTIVE
    assert (banned.shadow_ban.reason, banned.shadow_ban.banned_by) == ("spam ring", "alice")
    assert not banned.shadow_ban.HasField("lift_time")
    again = await admin.ShadowBanUser(pb.ShadowBanUserRequest(user_id=user, reason="again", operator="bob"))
    assert again.shadow_ban == banned.shadow_ban
    assert user in await active_ban_ids(admin)

    lifted = await admin.UnbanUser(pb.UnbanUserRequest(user_id=user, operator="carol"))
    assert lifted.shadow_ban_state == pb.SHADOW_BAN_STATE_LIFTED
    assert lifted.shadow_ban.lifted_by == "carol" and lifted.shadow_ban.HasField("lift_time")
    assert user not in await active_ban_ids(admin)
    assert (await admin.UnbanUser(pb.UnbanUserRequest(user_id=user, operator="carol"))).shadow_ban == lifted.shadow_ban


async def test_a_ban_reaches_another_processs_guard_at_once(
    admin: Admin, users: list[int], mux: RedisMux, pg_pool: Any
) -> None:
    """The guard of an engagement process that looked the user up before the ban sees it on its next write."""
    user = user_id_aged(30 * DAY)
    users.append(user)
    other_process = build_anti_abuse(AbuseSettings(), pg_pool, mux)
    assert not (await other_process.guard.admit(user, Action.LIKE, 1)).hidden
    await admin.ShadowBanUser(pb.ShadowBanUserRequest(user_id=user, operator="alice"))
    assert (await other_process.guard.admit(user, Action.LIKE, 2)).hidden
    await admin.UnbanUser(pb.UnbanUserRequest(user_id=user, operator="alice"))
    assert not (await other_process.guard.admit(user, Action.LIKE, 3)).hidden


async def test_the_harder_limit_shows_and_can_be_lifted(admin: Admin, users: list[int], redis_client: Any) -> None:
    user = user_id_aged(30 * DAY)
    users.append(user)
    redis_client.set(redis_keys.engagement_harder_limit(user), 1, ex=900)
    status = await admin.GetUserStatus(pb.GetUserStatusRequest(user_id=user))
    assert 890 < status.rate_limited_until.ToSeconds() - time.time() <= 900
    cleared = await admin.ClearRateLimit(pb.ClearRateLimitRequest(user_id=user, operator="alice"))
    assert not cleared.HasField("rate_limited_until")
    assert not redis_client.exists(redis_keys.engagement_harder_limit(user))


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda a: a.ShadowBanUser(pb.ShadowBanUserRequest(user_id=0, operator="alice")), "BAD_USER_ID"),
        (lambda a: a.ShadowBanUser(pb.ShadowBanUserRequest(user_id=user_id_aged(DAY))), "MISSING_OPERATOR"),
        (
            lambda a: a.ShadowBanUser(
                pb.ShadowBanUserRequest(user_id=user_id_aged(DAY), reason="x" * 501, operator="a")
            ),
            "BAD_REASON",
        ),
        # an id that would be issued in a year: a typo
        (
            lambda a: a.GetUserStatus(
                pb.GetUserStatusRequest(user_id=min_id_at(int((time.time() + 365 * DAY) * 1000)))
            ),
            "BAD_USER_ID",
        ),
        (lambda a: a.UnbanUser(pb.UnbanUserRequest(user_id=-5, operator="alice")), "BAD_USER_ID"),
        (lambda a: a.ListShadowBans(pb.ListShadowBansRequest(cursor="not a cursor")), "BAD_CURSOR"),
        (lambda a: a.ListShadowBans(pb.ListShadowBansRequest(limit=-1)), "BAD_LIMIT"),
    ],
)
async def test_bad_input_is_invalid_argument(admin: Admin, call: Any, reason: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(admin)
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(failed.value) == reason
