"""The notification store on Cassandra (schema/cassandra/0004_notifications.cql; statements in cql/). Every row
is written with the retention as its TTL, so old notifications, their indexes and tombstones expire on their own.

A notification's rows: itself in its recipient's bucket (about 30 days of ids) and the bucket's index row, and its
group row (what lists it); its source pointing at it (what finds it again); one row per subject (what a removal
finds it by). All are idempotent upserts: writing the same draft twice leaves the same rows.
"""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Sequence
from typing import Any

from cassandra.cluster import Cluster, Session
from cassandra.query import PreparedStatement

from services.common.cassandra import CassandraRunner, connect, read_down_buckets
from services.common.ids import id_time_ms
from services.notification.domain.grouping import GroupKey, group_key
from services.notification.domain.model import Draft, Kind, Notification
from services.notification.domain.rules import StoredSource

BUCKET_MS = 30 * 86_400_000
MAX_ID = 2**63 - 1
IN_MAX = 100  # keys (or key combinations) per IN query
ROWS_PER_BATCH = 50  # rows per UNLOGGED batch: about 6 KiB, under the stack's batch_size_warn_threshold
_CQL = pathlib.Path(__file__).parent / "cql"


def bucket_of(notification_id: int) -> int:
    return id_time_ms(notification_id) // BUCKET_MS


def _notification(recipient_id: int, row: Any) -> Notification:
    return Notification(
        id=row.notification_id,
        recipient_id=recipient_id,
        kind=Kind(row.kind),
        actor_id=row.actor_id or 0,
        post_id=row.post_id or 0,
        comment_id=row.comment_id or 0,
    )


def _source_queries(keys: Sequence[tuple[int, str]]) -> list[tuple[list[int], list[str]]]:
    """(recipients, sources) IN lists covering the keys in few queries: a recipient's many sources together (a
    viral post's likes), and a source's many recipients together (a post's mentions)."""
    by_recipient: dict[int, list[str]] = {}
    for recipient, source in dict.fromkeys(keys):
        by_recipient.setdefault(recipient, []).append(source)
    by_source: dict[str, list[int]] = {}
    queries = []
    for recipient, sources in by_recipient.items():
        if len(sources) == 1:
            by_source.setdefault(sources[0], []).append(recipient)
            continue
        queries += [([recipient], sources[i : i + IN_MAX]) for i in range(0, len(sources), IN_MAX)]
    for source, recipients in by_source.items():
        queries += [(recipients[i : i + IN_MAX], [source]) for i in range(0, len(recipients), IN_MAX)]
    return queries


class CassandraNotificationStore:
    def __init__(self, session: Session, *, ttl_seconds: int, max_in_flight: int = 128):
        self.runner = CassandraRunner(session, max_in_flight=max_in_flight)
        self.ttl = ttl_seconds
        self.cql: dict[str, PreparedStatement] = {
            path.stem: session.prepare(path.read_text()) for path in sorted(_CQL.glob("*.cql"))
        }

    @classmethod
    async def open(
        cls, hosts: Sequence[str], port: int, keyspace: str, *, ttl_seconds: int, consistency: str = "LOCAL_ONE"
    ) -> tuple[CassandraNotificationStore, Cluster]:
        cluster, session = await asyncio.to_thread(connect, hosts, port, keyspace, consistency)
        try:
            store = await asyncio.to_thread(lambda: cls(session, ttl_seconds=ttl_seconds))
        except BaseException:
            await asyncio.to_thread(cluster.shutdown)
            raise
        return store, cluster

    async def _run(self, name: str, *params: Any) -> list[Any]:
        return await self.runner.run(self.cql[name], params)

    async def sources(self, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], StoredSource]:
        rows = await asyncio.gather(*(self._run("select_sources", r, s) for r, s in _source_queries(keys)))
        return {
            (r.recipient_id, r.source): StoredSource(r.notification_id, r.removed_at) for part in rows for r in part
        }

    async def tombstones(self, subjects: Sequence[str]) -> dict[str, int]:
        parts = [list(subjects[i : i + IN_MAX]) for i in range(0, len(subjects), IN_MAX)]
        rows = await asyncio.gather(*(self._run("select_tombstones", part) for part in parts))
        return {r.subject: r.removed_at for part in rows for r in part if r.removed_at is not None}

    async def write(self, drafts: Sequence[Draft]) -> None:
        ttl = self.ttl
        rows: list[tuple[PreparedStatement, Sequence[Any]]] = []
        buckets: set[tuple[int, int]] = set()
        for d in drafts:
            n = d.notification
            bucket = bucket_of(n.id)
            buckets.add((n.recipient_id, bucket))
            values = (n.recipient_id, bucket, n.id, n.kind.value, n.actor_id, n.post_id, n.comment_id, d.source, ttl)
            rows.append((self.cql["insert_notification"], values))
        for d in drafts:
            n = d.notification
            key = group_key(n)
            rows.append(
                (self.cql["insert_group_member"], (n.recipient_id, key.kind.value, key.post_id, n.id, n.actor_id, ttl))
            )
        rows += [(self.cql["insert_bucket"], (recipient, bucket, ttl)) for recipient, bucket in sorted(buckets)]
        await self.runner.run_grouped(rows, ROWS_PER_BATCH)

    async def link(self, drafts: Sequence[Draft]) -> None:
        statement = self.cql["link_source"]
        rows = [(statement, (self.ttl, d.notification.id, d.notification.recipient_id, d.source)) for d in drafts]
        await self.runner.run_grouped(rows, ROWS_PER_BATCH)

    async def write_subjects(self, drafts: Sequence[Draft]) -> None:
        statement = self.cql["insert_subject_member"]
        rows = []
        for d in drafts:
            n = d.notification
            rows += [(statement, (s, n.recipient_id, n.id, n.kind.value, n.post_id, self.ttl)) for s in d.subjects]
        await self.runner.run_grouped(rows, ROWS_PER_BATCH)

    async def delete(self, notifications: Sequence[Notification]) -> None:
        rows: list[tuple[PreparedStatement, Sequence[Any]]] = []
        for n in notifications:
            key = group_key(n)
            rows.append((self.cql["delete_notification"], (n.recipient_id, bucket_of(n.id), n.id)))
            rows.append((self.cql["delete_group_member"], (n.recipient_id, key.kind.value, key.post_id, n.id)))
        await self.runner.run_grouped(rows, ROWS_PER_BATCH)

    async def remove_source(self, recipient_id: int, source: str, removed_at_ms: int, *, unlink: bool) -> None:
        name = "unlink_source" if unlink else "tombstone_source"
        await self._run(name, self.ttl, removed_at_ms, recipient_id, source)

    async def mark_subject_removed(self, subject: str, at_ms: int) -> None:
        earlier = (await self.tombstones([subject])).get(subject, 0)
        await self._run("tombstone_subject", self.ttl, max(earlier, at_ms), subject)

    async def subject_members(self, subject: str) -> list[Notification]:
        rows = await self._run("select_subject_members", subject)
        return [
            Notification(
                id=r.notification_id, recipient_id=r.recipient_id, kind=Kind(r.kind), actor_id=0, post_id=r.post_id
            )
            for r in rows
            if r.recipient_id is not None  # a partition holding only the unused static column answers one empty row
        ]

    async def get(self, recipient_id: int, notification_id: int) -> Notification | None:
        rows = await self._run("select_notification", recipient_id, bucket_of(notification_id), notification_id)
        return _notification(recipient_id, rows[0]) if rows else None

    async def page(self, recipient_id: int, before: int | None, count: int) -> list[Notification]:
        bound = MAX_ID if before is None else before

        async def buckets(top: int, limit: int) -> list[int]:
            return [r.bucket for r in await self._run("select_buckets", recipient_id, top, limit)]

        async def notifications(bucket: int, limit: int) -> list[Notification]:
            rows = await self._run("select_page", recipient_id, bucket, bound, limit)
            return [_notification(recipient_id, r) for r in rows]

        top = bucket_of(bound) if before is not None else 2**31 - 1
        return await read_down_buckets(buckets, notifications, top=top, count=count)

    async def group_members(self, recipient_id: int, key: GroupKey, top: int) -> list[tuple[int, int]]:
        rows = await self._run("select_group_members", recipient_id, key.kind.value, key.post_id, top)
        return [(r.notification_id, r.actor_id) for r in rows]
