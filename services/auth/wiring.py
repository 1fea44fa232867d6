"""The auth service's composition root: pool, worker-id lease, key ring, hasher -> use cases -> servicer."""

from __future__ import annotations

import asyncio

from feedmesh.auth.internal.v1 import auth_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.auth.v1 import auth_service_pb2_grpc as pb_grpc

from services.auth.adapters.keyring import FileKeyRing, JwtTokens
from services.auth.adapters.passwords import Argon2Passwords
from services.auth.adapters.postgres import PostgresUsers
from services.auth.api.internal_servicer import INTERNAL_SERVICE_NAME, AuthInternalServicer
from services.auth.api.servicer import SERVICE_NAME, AuthServicer
from services.auth.app.accounts import Accounts
from services.auth.app.sessions import Sessions
from services.auth.domain.tokens import TokenPolicy
from services.auth.settings import AuthSettings
from services.common.postgres import create_pool
from services.common.server import GrpcServer, ServiceBinding
from services.common.worker_lease import lease_worker_id


async def build(settings: AuthSettings) -> GrpcServer:
    ring = FileKeyRing(settings.key_dir, activation_seconds=settings.auth_key_activation_seconds)
    await asyncio.to_thread(ring.ensure_key)  # first start: generate the first key pair
    policy = TokenPolicy(settings.jwt_issuer, settings.jwt_audience, settings.token_ttl_seconds)
    passwords = Argon2Passwords(
        time_cost=settings.password_time_cost,
        memory_kib=settings.password_memory_kib,
        parallelism=settings.password_parallelism,
        concurrency=settings.hash_concurrency,
    )
    await passwords.warm_up()

    pool = await create_pool(settings.pg_dsn, max_size=settings.pg_pool_max_size)
    try:
        lease = await lease_worker_id(settings.pg_dsn)
    except BaseException:
        await pool.close()
        raise
    users = PostgresUsers(pool)
    accounts = Accounts(users, passwords, lease.generator())
    sessions = Sessions(users, passwords, JwtTokens(ring, policy), policy)
    servicer = AuthServicer(accounts, sessions)
    internal = AuthInternalServicer(accounts)

    # The public service (routed by the gateway) and the internal one (other services only) share the process.
    server = GrpcServer(
        settings=settings,
        bindings=[
            ServiceBinding(SERVICE_NAME, lambda s: pb_grpc.add_AuthServiceServicer_to_server(servicer, s)),
            ServiceBinding(
                INTERNAL_SERVICE_NAME,
                lambda s: internal_pb_grpc.add_AuthInternalServiceServicer_to_server(internal, s),
            ),
        ],
    )
    server.add_closer(pool.close)
    server.add_closer(lease.release)
    return server
