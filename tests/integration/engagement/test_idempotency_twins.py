"""Two requests with one Idempotency-Key that finish together give one answer: the one that saves its answer second,
while the first's save is still uncommitted, returns the first's (real PostgreSQL, the engagement adapter)."""

from __future__ import annotations

import asyncio
import random

import asyncpg

from services.common.polling import wait_until
from services.engagement.adapters.idempotency_keys import PgIdempotencyKeys
from services.engagement.domain.model import Action, LikeState
from stack.settings import StackSettings


async def test_the_second_twin_to_save_returns_the_first_twins_answer(
    stack_settings: StackSettings, engagement_schema: None
) -> None:
    keys = PgIdempotencyKeys()
    user, key, post = random.randrange(10**15, 10**16), "twin-key", 42
    first_conn = await asyncpg.connect(stack_settings.pg_dsn)
    second_conn = await asyncpg.connect(stack_settings.pg_dsn)
    try:
        assert await keys.claim(first_conn, user, key, Action.LIKE, post, None) is None
        first, second = LikeState(liked=True, like_count=17), LikeState(liked=True, like_count=15)

        transaction = first_conn.transaction()
        await transaction.start()
        # the first twin's save holds the row until it commits
        assert await keys.save_answer(first_conn, user, key, first) == first
        saving = asyncio.create_task(keys.save_answer(second_conn, user, key, second))
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')"
        await wait_until(
            lambda: _waits(first_conn, waiting), what="the second save to wait for the first's row lock", within=10
        )
        await transaction.commit()

        assert await asyncio.wait_for(saving, timeout=10) == first
        assert (await keys.find(first_conn, user, key)).answer == first  # type: ignore[union-attr]
    finally:
        await first_conn.close()
        await second_conn.close()


async def _waits(conn: asyncpg.Connection, query: str) -> bool:
    # the first connection is inside its transaction: a read of pg_locks there is harmless
    return bool(await conn.fetchval(query))
