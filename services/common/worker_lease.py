"""Leases a worker id (0..1023) for `IdGenerator`, unique among live processes sharing one PostgreSQL.

The lease is a session-level advisory lock held on a dedicated connection for the process's lifetime: no table
to clean up, and a crashed process's id is free again as soon as its connection drops. Different id spaces
(posts, users, comments...) may share worker ids: uniqueness is only needed within one generator's ids, but one
namespace for all keeps the rule simple.
"""

from __future__ import annotations

import asyncpg

from services.common.ids import MAX_WORKER, IdGenerator

_LOCK_NAMESPACE = 0x6665_0000  # "fe": keeps these advisory lock keys apart from the outbox relays'


class WorkerLease:
    def __init__(self, conn: asyncpg.Connection, worker_id: int):
        self._conn = conn
        self.worker_id = worker_id

    def generator(self) -> IdGenerator:
        return IdGenerator(self.worker_id)

    async def release(self) -> None:
        if not self._conn.is_closed():
            await self._conn.close()


async def lease_worker_id(dsn: str) -> WorkerLease:
    conn = await asyncpg.connect(dsn, timeout=10)
    for worker_id in range(MAX_WORKER + 1):
        if await conn.fetchval("SELECT pg_try_advisory_lock($1::bigint)", _LOCK_NAMESPACE + worker_id):
            return WorkerLease(conn, worker_id)
    await conn.close()
    raise RuntimeError(f"all {MAX_WORKER + 1} worker ids are leased: too many processes share this database")
