"""PostgreSQL through asyncpg: one pool per process, and a unit of work so that several writes (a row and its
outbox event, say) commit or roll back together.

Repositories never open transactions themselves: a use case opens a `UnitOfWork`, hands its connection to the
repositories it needs, and the unit commits on success or rolls back on any exception.
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg

from services.common.client_spans import record_query
from services.common.telemetry import tracing_enabled

# A commit is acknowledged to a client only once its WAL is on disk, whatever the server's default: with
# synchronous_commit off, a crash of PostgreSQL loses the last few hundred milliseconds of acknowledged commits.
DURABLE_COMMITS = {"synchronous_commit": "on"}


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10, **options: Any) -> asyncpg.Pool:
    """The process's pool. `command_timeout` bounds every statement so a stuck query cannot hang a request; every
    commit is durable before it returns (DURABLE_COMMITS); `options` go to asyncpg.create_pool (a service's own
    connection class and reset, say). Where spans are recorded, each connection reports its queries for client
    spans (`client_spans.record_query`)."""
    if tracing_enabled():
        options["init"] = _reporting_queries(options.get("init"))
    options["server_settings"] = {**DURABLE_COMMITS, **options.get("server_settings", {})}
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, command_timeout=10, **options)


def _reporting_queries(init: Callable[[asyncpg.Connection], Awaitable[None]] | None) -> Any:
    async def setup(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(record_query)
        if init is not None:
            await init(conn)

    return setup


class UnitOfWork:
    """`async with UnitOfWork(pool) as conn:` runs the block in one transaction on one connection."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn


def load_sql(package_file: str, name: str) -> str:
    """Reads a `.sql` file kept beside an adapter module, so SQL stays readable and reviewable as SQL."""
    return (pathlib.Path(package_file).parent / "sql" / name).read_text()


def is_unique_violation(exc: BaseException, constraint: str | None = None) -> bool:
    if not isinstance(exc, asyncpg.UniqueViolationError):
        return False
    return constraint is None or getattr(exc, "constraint_name", None) == constraint


Record = dict[str, Any]
