"""Idempotency-Keys past their retention are deleted in batches, oldest first, by both services' statements, and a
key kept within the retention stays; each test uses user ids of its own."""

from __future__ import annotations

import random

import asyncpg
import pytest

from services.common.idempotency_pruning import IdempotencyKeyPruner
from services.engagement.adapters.idempotency_keys import PRUNE_IDEMPOTENCY_KEYS as ENGAGEMENT_PRUNE
from services.post.adapters.postgres import PRUNE_IDEMPOTENCY_KEYS as POST_PRUNE
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations

TABLES = {
    "post": (
        "post.idempotency_keys",
        "author_id",
        "INSERT INTO post.idempotency_keys (author_id, key, post_id,"
        " created_at) VALUES ($1, $2, 1, now() - make_interval(secs => $3))",
        POST_PRUNE,
    ),
    "engagement": (
        "engagement.idempotency_keys",
        "user_id",
        "INSERT INTO engagement.idempotency_keys (user_id, key,"
        " action, post_id, created_at) VALUES ($1, $2, 'like', 1, now() - make_interval(secs => $3))",
        ENGAGEMENT_PRUNE,
    ),
}


@pytest.mark.parametrize("service", sorted(TABLES))
async def test_keys_past_the_retention_go_in_batches_and_recent_ones_stay(
    stack_settings: StackSettings, service: str
) -> None:
    await apply_migrations(stack_settings, below=50)
    table, owner, insert, statement = TABLES[service]
    user = random.randrange(10**15, 10**16)  # no real user has such an id
    pool = await asyncpg.create_pool(stack_settings.pg_dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            for n in range(5):
                await conn.execute(insert, user, f"old-{n}", 90_000 + n)
            await conn.execute(insert, user, "recent", 60)
        pruner = IdempotencyKeyPruner(pool, statement, retention_seconds=86_400, batch=2)
        assert await pruner.run_once() >= 5  # other tests' old keys may go too
        async with pool.acquire() as conn:
            left = {r["key"] for r in await conn.fetch(f"SELECT key FROM {table} WHERE {owner} = $1", user)}
        assert left == {"recent"}
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f"DELETE FROM {table} WHERE {owner} = $1", user)
        await pool.close()
