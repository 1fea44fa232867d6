"""Cassandra: `home_timeline` (what each user sees) and `user_timeline` (what each author wrote: the source of
truth for pulls, backfills and rebuilds), bucketed by time (domain.buckets), with bucket indexes so reads skip
empty buckets. Statements run through services.common.cassandra; nothing blocks the event loop.

Writes are idempotent upserts: rows of one partition go in one UNLOGGED batch, partitions are written
concurrently (bounded), and bucket-index rows are skipped when this process wrote them recently.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from cassandra.cluster import Cluster, Session
from cassandra.query import BatchStatement, BatchType, PreparedStatement

from services.common.cassandra import CassandraRunner, connect, read_down_buckets
from services.timeline.domain.buckets import HOME_BUCKET_MS, USER_BUCKET_MS, home_bucket, start_bucket, user_bucket
from services.timeline.domain.home_retention import INDEX_MEMORY_SECONDS

MAX_ID = 2**63 - 1


class _RecentSet:
    """A bounded memory of (owner, bucket) index rows already written by this process, each for `max_age_seconds`
    at most: the home sweep deletes the index of inactive readers, and trusts that a writer relies only on index rows
    it wrote that recently (domain/home_retention.py)."""

    def __init__(
        self,
        size: int = 100_000,
        max_age_seconds: float = INDEX_MEMORY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.size = size
        self.max_age = max_age_seconds
        self.clock = clock
        self._seen: OrderedDict[tuple[int, int], float] = OrderedDict()

    def add(self, key: tuple[int, int]) -> bool:
        """True when new (or written longer ago than the maximum age)."""
        now = self.clock()
        written = self._seen.get(key)
        if written is not None and now - written <= self.max_age:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = now
        self._seen.move_to_end(key)
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


# Rows per UNLOGGED batch: well under Cassandra's batch_size_fail_threshold (about 40 bytes a row here).
BATCH_ROWS = 100


class CassandraTimelineStore:
    def __init__(self, session: Session, *, max_in_flight: int = 128):
        self.session = session
        self._runner = CassandraRunner(session, max_in_flight=max_in_flight)
        self._home_index = _RecentSet()
        self._user_index = _RecentSet()
        p = session.prepare
        self._ins_home = p("INSERT INTO home_timeline (user_id, bucket, post_id, author_id) VALUES (?, ?, ?, ?)")
        self._del_home = p("DELETE FROM home_timeline WHERE user_id = ? AND bucket = ? AND post_id = ?")
        self._sel_home = p("SELECT post_id FROM home_timeline WHERE user_id = ? AND bucket = ? AND post_id < ? LIMIT ?")
        self._ins_home_idx = p("INSERT INTO home_timeline_buckets (user_id, bucket) VALUES (?, ?)")
        self._sel_home_idx = p("SELECT bucket FROM home_timeline_buckets WHERE user_id = ? AND bucket <= ? LIMIT ?")
        self._ins_user = p("INSERT INTO user_timeline (author_id, bucket, post_id) VALUES (?, ?, ?)")
        self._del_user = p("DELETE FROM user_timeline WHERE author_id = ? AND bucket = ? AND post_id = ?")
        self._sel_user = p(
            "SELECT post_id FROM user_timeline WHERE author_id = ? AND bucket = ? AND post_id < ? LIMIT ?"
        )
        self._ins_user_idx = p("INSERT INTO user_timeline_buckets (author_id, bucket) VALUES (?, ?)")
        self._sel_user_idx = p("SELECT bucket FROM user_timeline_buckets WHERE author_id = ? AND bucket <= ? LIMIT ?")

    @classmethod
    async def open(
        cls, hosts: Sequence[str], port: int, keyspace: str, consistency: str = "LOCAL_ONE"
    ) -> tuple[CassandraTimelineStore, Cluster]:
        cluster, session = await asyncio.to_thread(connect, hosts, port, keyspace, consistency)
        store = await asyncio.to_thread(cls, session)
        return store, cluster

    async def _run(self, statement: Any, params: Sequence[Any] | None = None) -> list[Any]:
        return await self._runner.run(statement, params)

    async def _write_rows(self, stmt: PreparedStatement, rows: Sequence[tuple[Any, ...]]) -> None:
        """Writes rows in UNLOGGED batches of up to BATCH_ROWS, whatever partitions they hit. A fanout chunk touches
        one partition per follower: one request per row costs the Python driver far more than the server, and on
        a small cluster a multi-partition unlogged batch is the cheaper trade (the writes are idempotent upserts, so
        a batch that fails part-way is simply retried)."""
        writes = []
        for start in range(0, len(rows), BATCH_ROWS):
            part = rows[start : start + BATCH_ROWS]
            if len(part) == 1:
                writes.append(self._run(stmt, part[0]))
                continue
            batch = BatchStatement(batch_type=BatchType.UNLOGGED)
            for row in part:
                batch.add(stmt, row)
            writes.append(self._run(batch))
        await asyncio.gather(*writes)

    async def _write_partitions(
        self, stmt: PreparedStatement, groups: dict[tuple[int, int], list[tuple[Any, ...]]]
    ) -> None:
        await self._write_rows(stmt, [row for rows in groups.values() for row in rows])

    # --- home timelines ---------------------------------------------------------------------------------------

    async def add_home(self, rows: Sequence[tuple[int, int, int]]) -> None:
        groups: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
        for user_id, post_id, author_id in rows:
            bucket = home_bucket(post_id)
            groups[(user_id, bucket)].append((user_id, bucket, post_id, author_id))
        index = [k for k in groups if self._home_index.add(k)]
        await asyncio.gather(
            self._write_partitions(self._ins_home, groups), self._write_rows(self._ins_home_idx, index)
        )

    async def remove_home(self, user_id: int, post_ids: Sequence[int]) -> None:
        groups: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
        for post_id in post_ids:
            groups[(user_id, home_bucket(post_id))].append((user_id, home_bucket(post_id), post_id))
        await self._write_partitions(self._del_home, groups)

    async def read_home(self, user_id: int, before: int | None, count: int) -> list[int]:
        return await self._read(self._sel_home_idx, self._sel_home, user_id, before, count, HOME_BUCKET_MS)

    # --- author timelines -------------------------------------------------------------------------------------

    async def add_authored(self, author_id: int, post_id: int) -> None:
        bucket = user_bucket(post_id)
        writes = [self._run(self._ins_user, (author_id, bucket, post_id))]
        if self._user_index.add((author_id, bucket)):
            writes.append(self._run(self._ins_user_idx, (author_id, bucket)))
        await asyncio.gather(*writes)

    async def remove_authored(self, author_id: int, post_id: int) -> None:
        await self._run(self._del_user, (author_id, user_bucket(post_id), post_id))

    async def read_authored(self, author_id: int, before: int | None, count: int) -> list[int]:
        return await self._read(self._sel_user_idx, self._sel_user, author_id, before, count, USER_BUCKET_MS)

    async def _read(
        self,
        index: PreparedStatement,
        rows: PreparedStatement,
        owner: int,
        before: int | None,
        count: int,
        width_ms: int,
    ) -> list[int]:
        """Up to `count` ids below `before`, newest first, walking the owner's non-empty buckets downwards."""
        bound = MAX_ID if before is None else before

        async def buckets(top: int, limit: int) -> list[int]:
            return [r.bucket for r in await self._run(index, (owner, top, limit))]

        async def ids(bucket: int, limit: int) -> list[int]:
            return [r.post_id for r in await self._run(rows, (owner, bucket, bound, limit))]

        return await read_down_buckets(buckets, ids, top=start_bucket(before, width_ms), count=count)
