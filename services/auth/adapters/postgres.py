"""Accounts in PostgreSQL (schema `auth`, schema/postgres/0010_auth.sql), SQL in sql/ beside this module.

Every operation here is one statement, atomic on its own, so the repository runs it on a pooled connection
without opening a unit of work (a BEGIN/COMMIT would double the round trips of the hot batch lookups). A use case
that ever needs two writes together must take a `services.common.postgres.UnitOfWork` connection instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.auth.domain.users import Credentials, Registration, User
from services.common.errors import AlreadyExists
from services.common.postgres import is_unique_violation, load_sql

HANDLE_CONSTRAINT = "users_handle_key"


def _user(row: asyncpg.Record) -> User:
    return User(
        id=row["id"],
        handle=row["handle"],
        display_name=row["display_name"],
        private=row["private"],
        created_at=row["created_at"],
    )


class PostgresUsers:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self._insert = load_sql(__file__, "insert_user.sql")
        self._credentials = load_sql(__file__, "credentials_by_handle.sql")
        self._replace_hash = load_sql(__file__, "replace_password_hash.sql")
        self._by_ids = load_sql(__file__, "users_by_ids.sql")
        self._by_handles = load_sql(__file__, "users_by_handles.sql")
        self._by_handle_prefix = load_sql(__file__, "users_by_handle_prefix.sql")

    async def insert(self, user_id: int, registration: Registration, password_hash: str) -> User:
        try:
            row = await self.pool.fetchrow(
                self._insert,
                user_id,
                registration.handle,
                password_hash,
                registration.display_name,
                registration.private,
            )
        except asyncpg.UniqueViolationError as exc:
            if is_unique_violation(exc, HANDLE_CONSTRAINT):
                raise AlreadyExists("handle is taken", reason="HANDLE_TAKEN") from None
            raise
        return _user(row)

    async def credentials(self, handle: str) -> Credentials | None:
        row = await self.pool.fetchrow(self._credentials, handle)
        return None if row is None else Credentials(user_id=row["id"], password_hash=row["password_hash"])

    async def replace_password_hash(self, user_id: int, old_hash: str, new_hash: str) -> None:
        await self.pool.execute(self._replace_hash, user_id, old_hash, new_hash)

    async def by_ids(self, user_ids: Sequence[int]) -> list[User]:
        return [_user(row) for row in await self.pool.fetch(self._by_ids, list(user_ids))]

    async def by_handles(self, handles: Sequence[str]) -> list[User]:
        return [_user(row) for row in await self.pool.fetch(self._by_handles, list(handles))]

    async def by_handle_prefix(self, prefix: str, upper_bound: str, after_handle: str, limit: int) -> list[User]:
        rows = await self.pool.fetch(self._by_handle_prefix, prefix, upper_bound, after_handle, limit)
        return [_user(row) for row in rows]
