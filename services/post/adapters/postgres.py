"""PostgreSQL adapters of the post service: the posts repository and the partition maintenance of post.posts.

SQL lives in sql/*.sql beside this module. Every method takes the connection of the caller's unit of work (or a
plain pooled connection for reads): nothing here opens a transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.common.postgres import load_sql
from services.post.domain.model import Post, Visibility
from services.post.domain.partitions import DEFAULT_PARTITION, TABLE, MonthPartition

_NO_UPPER_BOUND = (1 << 63) - 1

_INSERT = load_sql(__file__, "insert_post.sql")
_CLAIM_KEY = load_sql(__file__, "claim_idempotency_key.sql")
PRUNE_IDEMPOTENCY_KEYS = load_sql(__file__, "prune_idempotency_keys.sql")
_KEY_OWNER = load_sql(__file__, "idempotency_key_owner.sql")
_FIND_BY_KEY = load_sql(__file__, "find_by_idempotency_key.sql")
_GET = load_sql(__file__, "get_post.sql")
_GET_FOR_UPDATE = load_sql(__file__, "get_post_for_update.sql")
_MARK_DELETED = load_sql(__file__, "mark_deleted.sql")
_GET_LIVE_MANY = load_sql(__file__, "get_live_many.sql")
_LIST_BY_AUTHOR = load_sql(__file__, "list_live_by_author.sql")
_LIST_IDS_BY_AUTHOR = load_sql(__file__, "list_live_ids_by_author.sql")


def _post(row: asyncpg.Record) -> Post:
    return Post(
        id=row["id"],
        author_id=row["author_id"],
        text=row["text"],
        media_refs=tuple(row["media_refs"] or ()),
        visibility=Visibility(row["visibility"]),
        mention_ids=tuple(row["mention_ids"] or ()),
        created_at=row["created_at"],
        deleted_at=row["deleted_at"],
    )


class PgPostRepository:
    async def insert(self, conn: asyncpg.Connection, post: Post) -> None:
        await conn.execute(
            _INSERT,
            post.id,
            post.author_id,
            post.text,
            list(post.media_refs),
            int(post.visibility),
            list(post.mention_ids),
            post.created_at,
        )

    async def claim_idempotency_key(self, conn: asyncpg.Connection, author_id: int, key: str, post_id: int) -> int:
        claimed = await conn.fetchval(_CLAIM_KEY, author_id, key, post_id)
        if claimed is not None:
            return int(claimed)
        # Taken: by a transaction that has committed by now (ON CONFLICT waited for it). A new statement sees it.
        owner = await conn.fetchval(_KEY_OWNER, author_id, key)
        if owner is None:
            raise RuntimeError("idempotency key conflicted but has no owner")
        return int(owner)

    async def find_by_idempotency_key(self, conn: asyncpg.Connection, author_id: int, key: str) -> Post | None:
        row = await conn.fetchrow(_FIND_BY_KEY, author_id, key)
        return _post(row) if row else None

    async def get(self, conn: asyncpg.Connection, post_id: int, *, for_update: bool = False) -> Post | None:
        row = await conn.fetchrow(_GET_FOR_UPDATE if for_update else _GET, post_id)
        return _post(row) if row else None

    async def mark_deleted(self, conn: asyncpg.Connection, post_id: int, when: dt.datetime) -> None:
        await conn.execute(_MARK_DELETED, post_id, when)

    async def get_live_many(self, conn: asyncpg.Connection, post_ids: Sequence[int]) -> list[Post]:
        return [_post(r) for r in await conn.fetch(_GET_LIVE_MANY, list(post_ids))]

    async def list_live_by_author(
        self,
        conn: asyncpg.Connection,
        author_id: int,
        before_id: int | None,
        visibilities: Sequence[Visibility],
        limit: int,
    ) -> list[Post]:
        rows = await conn.fetch(
            _LIST_BY_AUTHOR,
            author_id,
            before_id or _NO_UPPER_BOUND,
            [int(v) for v in visibilities],
            limit,
        )
        return [_post(r) for r in rows]

    async def list_live_ids_by_author(
        self, conn: asyncpg.Connection, author_id: int, before_id: int | None, limit: int
    ) -> list[int]:
        rows = await conn.fetch(_LIST_IDS_BY_AUTHOR, author_id, before_id or _NO_UPPER_BOUND, limit)
        return [r["id"] for r in rows]


class PgPartitionStore:
    """Creates month partitions of post.posts. A month's rows that landed in the DEFAULT partition (because its
    partition did not exist yet) are moved into it in the same transaction, so creation never fails on them."""

    _LOCK_KEY = 0x7073_7470  # serialises replicas running the maintenance at the same time

    async def ensure(self, conn: Any, partition: MonthPartition) -> bool:
        """Creates the partition unless it exists; True when created."""
        await conn.execute("SELECT pg_advisory_xact_lock($1)", self._LOCK_KEY)
        name = f"post.{partition.name}"
        if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name):
            return False
        lower, upper = int(partition.lower_id), int(partition.upper_id)
        await conn.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        await conn.execute(
            f"WITH moved AS (DELETE FROM post.{DEFAULT_PARTITION} WHERE id >= {lower} AND id < {upper} RETURNING *)"
            f" INSERT INTO {name} SELECT * FROM moved"
        )
        await conn.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({lower}) TO ({upper})")
        return True
