"""cassandra-driver for asyncio services: connect (blocking: call through asyncio.to_thread), and run a statement
on the driver's async API with the answer settled on the event loop, behind a bound on requests in flight.
Nothing blocks the event loop."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.policies import ExponentialReconnectionPolicy, RoundRobinPolicy
from cassandra.query import BatchStatement, BatchType, PreparedStatement, named_tuple_factory

from services.common.client_spans import client_span

T = TypeVar("T")
INDEX_PAGE = 32  # bucket numbers read from an index per request


async def read_down_buckets(
    buckets: Callable[[int, int], Awaitable[list[int]]],
    rows: Callable[[int, int], Awaitable[list[T]]],
    *,
    top: int,
    count: int,
) -> list[T]:
    """Up to `count` rows of a time-bucketed owner, newest first: `buckets(top, n)` gives up to n of the owner's
    non-empty buckets at or below `top`, newest first (its bucket index), `rows(bucket, n)` up to n rows of one
    bucket below the caller's cursor. Walking the index skips empty buckets instead of probing each."""
    found: list[T] = []
    while len(found) < count:
        page = await buckets(top, INDEX_PAGE)
        for bucket in page:
            found.extend(await rows(bucket, count - len(found)))
            if len(found) >= count:
                break
        if len(page) < INDEX_PAGE:
            break
        top = page[-1] - 1
    return found


class RowTypes:
    """The driver's row factory, with one row type per set of columns instead of one per result. The driver's own
    (`named_tuple_factory`) builds a namedtuple class for every result it decodes, and a class is a reference
    cycle: each read left 30 objects that only the cycle collector frees (1,000 reads, then `gc.collect()`: 30,000),
    and a service collects its older generations rarely (gc_tuning). The type is the one the driver builds for the
    first result of those columns (its names, its fallbacks). Our statements are prepared, so a process sees a
    handful of column sets; past `max_types` a result gets the driver's treatment."""

    def __init__(self, max_types: int = 256):
        self.max_types = max_types
        self._types: dict[tuple[str, ...], Any] = {}

    def __call__(self, colnames: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[Any]:
        key = tuple(colnames)
        row_type = self._types.get(key)
        if row_type is None:
            if len(self._types) >= self.max_types:
                return named_tuple_factory(colnames, rows)
            row_type = self._types[key] = type(named_tuple_factory(colnames, [range(len(key))])[0])
        return [row_type(*row) for row in rows]

    def __len__(self) -> int:
        return len(self._types)


def connect(
    hosts: Sequence[str], port: int, keyspace: str, consistency: str = "LOCAL_ONE", *, within_seconds: float = 60.0
) -> tuple[Cluster, Session]:
    """Blocking: call through asyncio.to_thread. `consistency` is a ConsistencyLevel name (CassandraSettings).

    A node that answers its port may still time out the driver's first queries of the system tables while it
    replays its commit log or the machine is busy: the connection is tried again until `within_seconds` have passed,
    so that a service starting beside such a node waits for it rather than exiting."""
    logging.getLogger("cassandra").setLevel(logging.ERROR)
    deadline = time.monotonic() + within_seconds
    pause = 0.5
    while True:
        cluster = _cluster(hosts, port, consistency)
        try:
            return cluster, cluster.connect(keyspace)
        except NoHostAvailable:
            cluster.shutdown()
            if time.monotonic() + pause > deadline:
                raise
            logging.getLogger(__name__).warning("cassandra not answering yet; connecting again", extra={"hosts": hosts})
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _cluster(hosts: Sequence[str], port: int, consistency: str) -> Cluster:
    profile = ExecutionProfile(
        load_balancing_policy=RoundRobinPolicy(),
        request_timeout=10,
        consistency_level=ConsistencyLevel.name_to_value[consistency],
        row_factory=RowTypes(),
    )
    return Cluster(
        list(hosts),
        port=port,
        connect_timeout=5,
        # A node that was down is tried again within seconds of its return (the driver's default backs off to 10
        # minutes, so a restarted node could wait half a minute for the first retry while every read failed).
        reconnection_policy=ExponentialReconnectionPolicy(base_delay=0.5, max_delay=4.0),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=5,
    )


class CassandraRunner:
    """Runs statements on one session, at most `max_in_flight` at once."""

    def __init__(self, session: Session, *, max_in_flight: int = 128):
        self.session = session
        self._gate = asyncio.Semaphore(max_in_flight)

    async def run(self, statement: Any, params: Sequence[Any] | None = None) -> list[Any]:
        async with self._gate:
            loop = asyncio.get_running_loop()
            done: asyncio.Future[list[Any]] = loop.create_future()

            def settle(rows: Any = None, exc: BaseException | None = None) -> None:
                if done.done():
                    return
                if exc is not None:
                    done.set_exception(exc)
                else:
                    done.set_result(list(rows or []))

            def ok(rows: Any) -> None:
                loop.call_soon_threadsafe(settle, rows)

            def failed(exc: BaseException) -> None:
                loop.call_soon_threadsafe(settle, None, exc)

            with client_span("cassandra", statement):
                self.session.execute_async(statement, params).add_callbacks(ok, failed)
                return await done

    async def run_grouped(self, statements: Sequence[tuple[PreparedStatement, Sequence[Any]]], per_batch: int) -> None:
        """Runs bound writes in UNLOGGED batches of up to `per_batch`, whatever their tables and partitions, side by
        side. One request per row costs the Python driver far more than the server, and on a small cluster a
        multi-partition unlogged batch is the cheaper trade; for idempotent upserts only (a batch that fails
        part-way is retried whole)."""
        requests = []
        for start in range(0, len(statements), per_batch):
            part = statements[start : start + per_batch]
            if len(part) == 1:
                requests.append(self.run(*part[0]))
                continue
            batch = BatchStatement(batch_type=BatchType.UNLOGGED)
            for statement, params in part:
                batch.add(statement, params)
            requests.append(self.run(batch))
        await asyncio.gather(*requests)
