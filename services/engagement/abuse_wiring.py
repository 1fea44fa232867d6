"""The anti-abuse parts of the engagement service, built once by its composition root (wiring.build) over the pool
and the Redis connection it owns:

    abuse = build_anti_abuse(settings, pool, mux)
    ... use cases get abuse.guard (every write) and abuse.bans (the viewer's state on reads) ...
    GrpcServer(settings, bindings=[<EngagementService binding>, abuse.admin_binding])
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import grpc
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2, engagement_admin_service_pb2_grpc

from services.common.redis_mux import RedisMux
from services.common.server import ServiceBinding
from services.engagement.abuse_settings import AbuseSettings
from services.engagement.adapters.postgres_shadow_bans import PgShadowBanStore
from services.engagement.adapters.redis_ban_cache import CachedShadowBans
from services.engagement.adapters.redis_budgets import RedisBudgetCounter
from services.engagement.api.admin_servicer import EngagementAdminServicer
from services.engagement.app.abuse_guard import EngagementGuard
from services.engagement.app.abuse_ports import ShadowBanLookup
from services.engagement.app.shadow_ban_admin import ShadowBanAdmin

ADMIN_SERVICE_NAME = engagement_admin_service_pb2.DESCRIPTOR.services_by_name["EngagementAdminService"].full_name


@dataclass(frozen=True)
class AntiAbuse:
    guard: EngagementGuard
    bans: ShadowBanLookup
    admin_binding: ServiceBinding


def build_anti_abuse(settings: AbuseSettings, pool: asyncpg.Pool, mux: RedisMux) -> AntiAbuse:
    counter = RedisBudgetCounter(mux)
    store = PgShadowBanStore(pool)
    bans = CachedShadowBans(mux, store, ttl_seconds=settings.engagement_ban_cache_ttl_seconds)
    servicer = EngagementAdminServicer(ShadowBanAdmin(store, bans, counter))

    def register(grpc_server: grpc.aio.Server) -> None:
        engagement_admin_service_pb2_grpc.add_EngagementAdminServiceServicer_to_server(servicer, grpc_server)

    return AntiAbuse(
        guard=EngagementGuard(counter, bans, settings.budget_policy(), settings.burst_policy()),
        bans=bans,
        admin_binding=ServiceBinding(ADMIN_SERVICE_NAME, register),
    )
