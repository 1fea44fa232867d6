"""Profiles from the auth service (AuthInternalService.BatchGetUsers over gRPC), through a Redis cache; and accounts
by handle prefix (ListUsersByHandlePrefix), not cached: each keystroke of a search asks a new prefix.

Profiles are immutable today, so a cached profile is never stale; the TTL only bounds memory and what a future
profile edit would have to wait for. Unknown users are not cached. Redis being down means asking auth.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC

import grpc
from feedmesh.auth.internal.v1 import auth_internal_service_pb2, auth_internal_service_pb2_grpc
from feedmesh.auth.v1 import user_pb2
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.common import redis_keys
from services.common.errors import InvalidArgument
from services.graph.domain.model import Profile

log = logging.getLogger(__name__)

PROFILE_LOOKUPS = Counter("feedmesh_graph_profile_cache_lookups_total", "Profile cache lookups", ["result"])

BATCH_LIMIT = 1000


def to_profile(user: user_pb2.User) -> Profile:
    return Profile(
        id=user.id,
        handle=user.handle,
        display_name=user.display_name,
        private=user.private,
        create_time=user.create_time.ToDatetime(tzinfo=UTC),
    )


class CachedUserDirectory:
    """Implements app.ports.UserDirectory and app.ports.HandleSearch."""

    def __init__(self, redis: Redis, auth: auth_internal_service_pb2_grpc.AuthInternalServiceStub, *, ttl_seconds: int):
        self.redis = redis
        self.auth = auth
        self.ttl_seconds = ttl_seconds

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, Profile]:
        wanted = [u for u in dict.fromkeys(user_ids) if u > 0]
        if not wanted:
            return {}
        found: dict[int, Profile] = {}
        try:
            cached = await self.redis.mget([redis_keys.graph_profile(u) for u in wanted])
        except RedisError as exc:
            log.warning("profile cache unavailable; asking auth", extra={"error": str(exc)})
            cached = [None] * len(wanted)
        for user_id, raw in zip(wanted, cached, strict=True):
            if isinstance(raw, bytes):
                found[user_id] = to_profile(user_pb2.User.FromString(raw))
        missing = [u for u in wanted if u not in found]
        PROFILE_LOOKUPS.labels("hit").inc(len(found))
        PROFILE_LOOKUPS.labels("miss").inc(len(missing))
        if missing:
            fetched: list[user_pb2.User] = []
            for start in range(0, len(missing), BATCH_LIMIT):
                request = auth_internal_service_pb2.BatchGetUsersRequest(user_ids=missing[start : start + BATCH_LIMIT])
                response = await self.auth.BatchGetUsers(request)
                fetched.extend(response.users)
            for user in fetched:
                found[user.id] = to_profile(user)
            await self._remember(fetched)
        return found

    async def _remember(self, users: list[user_pb2.User]) -> None:
        if not users:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            for user in users:
                # Only the profile: the counts, where auth fills them in, are not auth's to cache here.
                profile = user_pb2.User()
                profile.CopyFrom(user)
                profile.ClearField("follower_count")
                profile.ClearField("following_count")
                pipe.set(redis_keys.graph_profile(user.id), profile.SerializeToString(), ex=self.ttl_seconds)
            await pipe.execute()
        except RedisError as exc:
            log.warning("could not fill the profile cache", extra={"error": str(exc)})

    async def by_handle_prefix(self, prefix: str, after_handle: str, limit: int) -> list[Profile]:
        request = auth_internal_service_pb2.ListUsersByHandlePrefixRequest(
            prefix=prefix, after_handle=after_handle, limit=limit
        )
        try:
            response = await self.auth.ListUsersByHandlePrefix(request)
        except grpc.aio.AioRpcError as exc:
            # auth owns what a handle may be: its refusal of the prefix is the caller's error, not ours
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument(exc.details() or "query cannot start a handle", reason="BAD_QUERY") from None
            raise
        return [to_profile(user) for user in response.users]
