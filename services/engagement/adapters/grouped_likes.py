"""Likes and unlikes committed in groups (implements app.ports.GroupedLikes): the calls made while a group's
statement runs wait and go together in the next one (sql/set_likes.sql: one statement, so one transaction, one
round trip and one WAL flush for all of them), and each caller is answered once its group has committed. A lone
call goes at once, so grouping adds no wait, only fewer transactions under load. Up to `in_flight` groups run at
a time, each on its own pooled connection.

Each like still takes its row's lock and draws its order under it (engagement.set_like): a group takes its rows'
locks sorted by key, so two groups never wait on each other in a cycle, and two calls on one row keep the order
they were made in. A group that fails fails every call in it; nothing of it committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client import Histogram

from services.common.outbox import OutboxRow
from services.common.postgres import load_sql
from services.engagement.adapters.postgres import PgDatabase, lock_key
from services.engagement.domain.model import CounterKind, RowChange

_SET_LIKES = load_sql(__file__, "set_likes.sql")

GROUP_SIZE = Histogram(
    "feedmesh_engagement_like_group_size",
    "Likes and unlikes committed together in one transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)


@dataclass(frozen=True)
class _Call:
    liked: bool
    lock: int
    post_id: int
    user_id: int
    hidden: bool
    event: OutboxRow


def _columns(calls: Sequence[_Call]) -> list[list[object]]:
    """set_likes.sql's arrays, one per parameter."""
    events = [c.event for c in calls]
    return [
        [c.liked for c in calls],
        [c.lock for c in calls],
        [c.post_id for c in calls],
        [c.user_id for c in calls],
        [c.hidden for c in calls],
        [e.producer for e in events],
        [e.topic for e in events],
        [e.msg_key for e in events],
        [e.payload for e in events],
        [e.headers for e in events],
        [e.channel for e in events],
    ]


class GroupCommitLikes:
    def __init__(self, db: PgDatabase, *, max_group: int, in_flight: int):
        if max_group <= 0 or in_flight <= 0:
            raise ValueError("max_group and in_flight must be > 0")
        self.db = db
        self.max_group = max_group
        self.in_flight = in_flight
        self._queued: list[tuple[_Call, asyncio.Future[RowChange]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def set_like(self, liked: bool, post_id: int, user_id: int, hidden: bool, event: OutboxRow) -> RowChange:
        call = _Call(liked, lock_key(CounterKind.LIKES, post_id, user_id), post_id, user_id, hidden, event)
        future: asyncio.Future[RowChange] = asyncio.get_running_loop().create_future()
        self._queued.append((call, future))
        if len(self._running) < self.in_flight:
            task = asyncio.create_task(self._drain())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return await future

    async def _drain(self) -> None:
        while self._queued:
            group = self._queued[: self.max_group]
            del self._queued[: self.max_group]
            await self._commit([(call, future) for call, future in group if not future.done()])

    async def _commit(self, group: list[tuple[_Call, asyncio.Future[RowChange]]]) -> None:
        """Commits the group's calls (a caller gone before it started is left out: nothing of it is written)."""
        if not group:
            return
        GROUP_SIZE.observe(len(group))
        group.sort(key=lambda item: item[0].lock)  # stable: one row's calls stay in the order they were made
        try:
            async with self.db.ordered() as session:
                rows = await session.conn.fetch(_SET_LIKES, *_columns([call for call, _ in group]))
            if len(rows) != len(group):
                raise RuntimeError(f"set_likes answered {len(rows)} of {len(group)} calls")
        except BaseException as exc:
            for _, future in group:
                if not future.done():
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:
                        future.cancel()
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), row in zip(group, rows, strict=True):
            if not future.done():
                future.set_result(RowChange(changed=row["changed"], hidden=row["hidden"], order=row["change_order"]))
