"""Starts feedmesh services in the test process, for real: each on port 0 against the real stack.

    server, address = await start_service(build, AuthSettings, stack_settings, service_name="auth")

`build` is the service's composition root (`services.<svc>.wiring.build`); settings come from the stack's
addresses (the same FEEDMESH_* variables the running system uses) plus per-test overrides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from services.common.server import GrpcServer
from services.common.settings import ServerSettings, env_name, load_settings
from stack import clients
from stack.schema import postgres as pg_schema
from stack.settings import StackSettings

S = TypeVar("S", bound=ServerSettings)


def service_settings(settings_cls: type[S], stack: StackSettings, **overrides: Any) -> S:
    environ = dict(stack.values)
    environ[env_name("listen_address")] = "127.0.0.1:0"
    environ[env_name("metrics_port")] = "0"
    for key, value in overrides.items():
        environ[env_name(key)] = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return load_settings(settings_cls, environ)


async def start_service(
    build: Callable[[S], Awaitable[GrpcServer]], settings_cls: type[S], stack: StackSettings, **overrides: Any
) -> tuple[GrpcServer, str]:
    """Builds and starts a service; returns it and its address. Stop it with `await server.stop(grace=0)`."""
    server = await build(service_settings(settings_cls, stack, **overrides))
    port = await server.start()
    return server, f"127.0.0.1:{port}"


async def apply_migrations(stack: StackSettings, *, below: int) -> None:
    """The PostgreSQL migrations numbered below `below` (a service's range and everything before it), applied if
    they are not yet."""
    wanted = [p for p in pg_schema.migrations() if int(p.name[:4]) < below]
    conn = await clients.pg_connect(stack)
    try:
        await pg_schema.migrate(conn, wanted)
    finally:
        await conn.close()


async def start_auth_and_graph(stack: StackSettings, **graph_overrides: Any) -> tuple[list[GrpcServer], str, str]:
    """The auth service (with cheap password hashing) and the graph pointed at it, the peers most meshes start
    with; returns both servers (stop them) and their addresses."""
    from services.auth.settings import AuthSettings
    from services.auth.wiring import build as build_auth
    from services.graph.settings import GraphSettings
    from services.graph.wiring import build as build_graph

    auth, auth_address = await start_service(
        build_auth, AuthSettings, stack, password_time_cost=1, password_memory_kib=1024
    )
    try:
        graph, graph_address = await start_service(
            build_graph, GraphSettings, stack, auth_target=auth_address, **graph_overrides
        )
    except BaseException:
        await auth.stop(grace=0)
        raise
    return [auth, graph], auth_address, graph_address
