"""The notification store on Cassandra (schema/cassandra/0004_notifications.cql; statements in cql/). Every row
is written with the retention as its TTL, so old notifications, their indexes and tombstones expire on their own.

A notification's rows: itself in its recipient's bucket (about 30 days of ids) and the bucket's index row, its
group row, one row per subject, and its source pointing at it. All are idempotent upserts: writing the same draft
twice leaves the same rows.
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


class CassandraNotificationStore:
    def __init__(self, session: Session, *, ttl_seconds: int, max_in_flight: int = 128):
        self.runner = CassandraRunner(session, max_in_flight=max_in_flight)
        self.ttl = ttl_seconds
        self.cql: dict[str, PreparedStatement] = {
            path.stem: session.prepare(path.read_text()) for path in sorted(_CQL.glob("*.cql"))
        }

    @classmethod
    async def open(
        cls, hosts: Sequence[str], port: int, keyspace: str, *, ttl_seconds: int
    ) -> tuple[CassandraNotificationStore, Cluster]:
        cluster, session = await asyncio.to_thread(connect, hosts, port, keyspace)
        try:
            store = await asyncio.to_thread(lambda: cls(session, ttl_seconds=ttl_seconds))
        except BaseException:
            await asyncio.to_thread(cluster.shutdown)
            raise
        return store, cluster

    async def _run(self, name: str, *params: Any) -> list[Any]:
        return await self.runner.run(self.cql[name], params)

    async def sources(self, recipient_id: int, sources: Sequence[str]) -> dict[str, StoredSource]:
        rows = await self._run("select_sources", recipient_id, list(sources))
        return {r.source: StoredSource(r.notification_id, r.removed_at) for r in rows}

    async def tombstones(self, subjects: Sequence[str]) -> dict[str, int]:
        rows = await self._run("select_tombstones", list(subjects))
        return {r.subject: r.removed_at for r in rows if r.removed_at is not None}

    async def write(self, draft: Draft) -> None:
        n = draft.notification
        key = group_key(n)
        bucket = bucket_of(n.id)
        await asyncio.gather(
            *(
                self._run("insert_subject_member", s, n.recipient_id, n.id, n.kind.value, n.post_id, self.ttl)
                for s in draft.subjects
            ),
            self._run(
                "insert_notification",
                n.recipient_id,
                bucket,
                n.id,
                n.kind.value,
                n.actor_id,
                n.post_id,
                n.comment_id,
                draft.source,
                self.ttl,
            ),
            self._run("insert_bucket", n.recipient_id, bucket, self.ttl),
            self._run("insert_group_member", n.recipient_id, key.kind.value, key.post_id, n.id, n.actor_id, self.ttl),
        )
        # The source last: once it names the notification, a redelivery is recognised as one, so every row above
        # must be there by then.
        await self._run("link_source", self.ttl, n.id, n.recipient_id, draft.source)

    async def delete(self, notifications: Sequence[Notification]) -> None:
        deletes = []
        for n in notifications:
            key = group_key(n)
            deletes.append(self._run("delete_notification", n.recipient_id, bucket_of(n.id), n.id))
            deletes.append(self._run("delete_group_member", n.recipient_id, key.kind.value, key.post_id, n.id))
        await asyncio.gather(*deletes)

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
            if r.recipient_id is not None  # a partition holding only its tombstone answers one empty row
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
