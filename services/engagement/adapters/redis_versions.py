"""Redis: the users' engagement versions (services.common.engagement_version)."""

from __future__ import annotations

from services.common.engagement_version import engagement_version_key, new_version
from services.common.redis_mux import RedisMux, RedisMuxError, RedisReplyError
from services.engagement.app.ports import CacheUnavailable


class RedisEngagementVersions:
    """Implements app.ports.EngagementVersions."""

    def __init__(self, mux: RedisMux):
        self.mux = mux

    async def replace(self, user_id: int, *, sees_own_hidden: bool) -> None:
        try:
            await self.mux.execute("SET", engagement_version_key(user_id), new_version(sees_own_hidden=sees_own_hidden))
        except (RedisMuxError, RedisReplyError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc
