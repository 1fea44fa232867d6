"""The home timeline sweep's Cassandra side (app/home_sweep.py HomeRows): readers with home rows, and the deletion
of their rows written before a given time. CQL in cql/*.cql."""

from __future__ import annotations

import asyncio
import functools
import pathlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from cassandra.cluster import Session
from cassandra.query import SimpleStatement

from services.common.cassandra import CassandraRunner


@functools.cache
def _cql(name: str) -> str:
    return (pathlib.Path(__file__).parent / "cql" / name).read_text()


class CassandraHomeRows:
    def __init__(self, session: Session, *, max_in_flight: int = 16):
        self.session = session
        self._runner = CassandraRunner(session, max_in_flight=max_in_flight)
        self._buckets = session.prepare(_cql("home_buckets.cql"))
        self._drop_bucket = session.prepare(_cql("drop_home_bucket.cql"))
        self._drop_index = session.prepare(_cql("drop_home_index.cql"))
        self._any_row = session.prepare(_cql("home_bucket_any_row.cql"))
        self._index = session.prepare(_cql("home_index_row.cql"))

    async def owners(self, page_size: int) -> AsyncIterator[list[int]]:
        statement = SimpleStatement(_cql("home_owners.cql"), fetch_size=page_size)
        paging_state: Any = None
        while True:
            result = await asyncio.to_thread(self.session.execute, statement, paging_state=paging_state)
            page = [row.user_id for row in result.current_rows]
            if page:
                yield page
            paging_state = result.paging_state
            if paging_state is None:
                return

    async def drop(self, owners: Sequence[int], written_before_us: int) -> None:
        await asyncio.gather(*(self._drop_one(owner, written_before_us) for owner in owners))

    async def _drop_one(self, owner: int, written_before_us: int) -> None:
        buckets = [r.bucket for r in await self._runner.run(self._buckets, (owner,))]
        await asyncio.gather(*(self._runner.run(self._drop_bucket, (written_before_us, owner, b)) for b in buckets))
        await self._runner.run(self._drop_index, (written_before_us, owner))
        # Rows newer than the deletion (written between its time and the activity check) keep their index.
        kept = await asyncio.gather(*(self._runner.run(self._any_row, (owner, b)) for b in buckets))
        again = [b for b, rows in zip(buckets, kept, strict=True) if rows]
        await asyncio.gather(*(self._runner.run(self._index, (owner, b)) for b in again))
