"""PostgreSQL: our own cluster gets its role and database; then the numbered migrations of schema/postgres,
each new one once, in order, in its own transaction, recorded in schema_migrations with its checksum."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from stack import clients
from stack.settings import ROOT, StackSettings

MIGRATIONS_DIR = ROOT / "schema" / "postgres"
_NAME = re.compile(r"^(\d+)_[\w-]+\.sql$")
# one runner at a time, whoever calls it (make up, a test, a service's start)
_LOCK_KEY = 0x6665_6564


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    files = [p for p in directory.glob("*.sql") if _NAME.match(p.name)]
    return sorted(files, key=lambda p: int(_NAME.match(p.name).group(1)))  # type: ignore[union-attr]


async def ensure_role_and_database(s: StackSettings) -> None:
    """Create the user and database of FEEDMESH_PG_DSN in our own cluster (as its superuser, via the socket)."""
    dsn = urlsplit(s.pg_dsn)
    user, password, database = unquote(dsn.username or ""), unquote(dsn.password or ""), dsn.path.lstrip("/")
    conn = await clients.pg_connect(s, superuser=True)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", user):
            password_sql = await conn.fetchval("SELECT quote_literal($1)", password)
            await conn.execute(f'CREATE ROLE "{user}" LOGIN PASSWORD {password_sql}')
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}" OWNER "{user}"')
    finally:
        await conn.close()


async def migrate(conn: Any, files: list[Path]) -> list[str]:
    applied_now = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations") if exists else []
        applied = {r["version"]: r["checksum"] for r in rows}
        for path in files:
            sql = path.read_text()
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if path.name in applied:
                if applied[path.name] != checksum:
                    raise RuntimeError(f"{path.name} changed after it was applied: add a new migration instead")
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", path.name, checksum
                )
            applied_now.append(path.name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


async def apply_async(s: StackSettings) -> str:
    if not s.is_external("postgres"):
        await ensure_role_and_database(s)
    conn = await clients.pg_connect(s)
    try:
        files = migrations()
        applied_now = await migrate(conn, files)
    finally:
        await conn.close()
    return f"{len(files)} migrations, applied now: {', '.join(applied_now) or 'none'}"


def apply(s: StackSettings) -> str:
    return asyncio.run(apply_async(s))
