"""The operators' use cases (EngagementAdminService): shadow-ban and unban a user, see a user's status, list the
bans in force, lift the burst guard's harder limit.

A ban is committed to PostgreSQL first, then its state replaces the cached one in Redis, so every engagement
process applies it from its next lookup. If the cache write fails the call fails and is safe to repeat (banning a
banned user changes nothing); until then the old state lives at most the cache's TTL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.common.errors import InvalidArgument
from services.common.ids import id_time_ms
from services.common.pagination import cursor_int, decode_cursor, encode_cursor, page_limit
from services.engagement.app.abuse_ports import BudgetCounter, ShadowBanCache, ShadowBanStore
from services.engagement.domain.shadow_bans import BanState, ShadowBan, UserStatus, check_operator_text

log = logging.getLogger(__name__)


def _account_created_at(user_id: int, now: float) -> datetime:
    """The creation time an id encodes; an id from the future is a typo, not a user."""
    if user_id <= 0 or id_time_ms(user_id) > now * 1000 + 60_000:
        raise InvalidArgument(f"{user_id} is not a user id", reason="BAD_USER_ID")
    return datetime.fromtimestamp(id_time_ms(user_id) / 1000, UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _microseconds(moment: datetime) -> int:
    """A timestamp as an exact integer, for cursors (a float would lose PostgreSQL's microseconds)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


class ShadowBanAdmin:
    def __init__(
        self,
        store: ShadowBanStore,
        cache: ShadowBanCache,
        counter: BudgetCounter,
        clock: Callable[[], float] = time.time,
    ):
        self.store = store
        self.cache = cache
        self.counter = counter
        self.clock = clock

    async def shadow_ban(self, user_id: int, reason: str, operator: str) -> UserStatus:
        _account_created_at(user_id, self.clock())
        reason, operator = check_operator_text(reason, operator)
        ban, new = await self.store.ban(user_id, reason, operator)
        await self.cache.remember(user_id, BanState.ACTIVE)
        if new:
            log.info("shadow ban", extra={"user_id": user_id, "operator": operator, "reason": reason})
        return await self._status(user_id, ban)

    async def unban(self, user_id: int, operator: str) -> UserStatus:
        _account_created_at(user_id, self.clock())
        _, operator = check_operator_text("", operator)
        lifted = await self.store.lift(user_id, operator)
        ban = lifted if lifted is not None else await self.store.get(user_id)
        await self.cache.remember(user_id, ban.state if ban is not None else BanState.NEVER)
        if lifted is not None:
            log.info("shadow ban lifted", extra={"user_id": user_id, "operator": operator})
        return await self._status(user_id, ban)

    async def status(self, user_id: int) -> UserStatus:
        _account_created_at(user_id, self.clock())
        return await self._status(user_id, await self.store.get(user_id))

    async def clear_rate_limit(self, user_id: int, operator: str) -> UserStatus:
        _account_created_at(user_id, self.clock())
        _, operator = check_operator_text("", operator)
        if await self.counter.clear_rate_limit(user_id):
            log.info("harder rate limit lifted", extra={"user_id": user_id, "operator": operator})
        return await self.status(user_id)

    async def list_active(self, cursor: str, limit: int) -> tuple[list[ShadowBan], str]:
        """One page of the bans in force, newest first, and the next page's cursor ("" on the last)."""
        size = page_limit(limit)
        position = decode_cursor(cursor)
        banned_us, user_id = cursor_int(position, "t"), cursor_int(position, "u")
        after = None
        if banned_us is not None and user_id is not None:
            after = (_EPOCH + timedelta(microseconds=banned_us), user_id)
        bans = await self.store.active_page(after, size + 1)
        page, more = bans[:size], len(bans) > size
        next_cursor = encode_cursor({"t": _microseconds(page[-1].banned_at), "u": page[-1].user_id}) if more else ""
        return page, next_cursor

    async def _status(self, user_id: int, ban: ShadowBan | None) -> UserStatus:
        now = self.clock()
        return UserStatus(
            user_id=user_id,
            account_created_at=_account_created_at(user_id, now),
            ban=ban,
            rate_limited_until=await self.counter.rate_limited_until(user_id, now),
        )
