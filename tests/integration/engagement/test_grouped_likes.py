"""Likes without an Idempotency-Key commit in groups (adapters/grouped_likes.py): the calls made together share one
transaction, each is answered only once it committed, one row's calls keep the order they were made in, and a group
that fails commits nothing of any call in it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.common import postgres
from services.common.outbox import OutboxRow
from services.engagement.adapters.grouped_likes import GroupCommitLikes
from services.engagement.adapters.postgres import PgDatabase, PooledConnection, reset_unless_clean
from services.engagement.domain.model import RowChange
from stack.settings import StackSettings


@pytest.fixture
async def pool(stack_settings: StackSettings, engagement_schema: None) -> AsyncIterator[asyncpg.Pool]:
    created = await postgres.create_pool(
        stack_settings.pg_dsn, max_size=4, connection_class=PooledConnection, reset=reset_unless_clean
    )
    try:
        yield created
    finally:
        await created.execute("DELETE FROM outbox WHERE producer = $1", PRODUCER)  # no relay publishes them
        await created.close()


PRODUCER = "engagement-grouped-likes-test"


def event(post_id: int, headers: str = "{}") -> OutboxRow:
    return OutboxRow(PRODUCER, "feedmesh.engagement.test", str(post_id).encode(), b"x", headers, None)


def new_post() -> int:
    return random.randrange(10**15, 10**16)  # a post no other test uses


async def committed_at(pool: asyncpg.Pool, post_id: int) -> list[object]:
    """Each like row's transaction start time (its created_at), by user."""
    rows = await pool.fetch("SELECT created_at FROM engagement.likes WHERE post_id = $1 ORDER BY user_id", post_id)
    return [r["created_at"] for r in rows]


async def test_calls_made_together_commit_in_one_transaction_each_group(pool: asyncpg.Pool) -> None:
    post_id = new_post()
    likes = GroupCommitLikes(PgDatabase(pool), max_group=10, in_flight=2)
    rows = await together(likes, [(True, post_id, user, False) for user in range(1, 31)])
    assert all(r.changed and not r.hidden for r in rows)
    assert len(await committed_at(pool, post_id)) == 30
    assert len(set(await committed_at(pool, post_id))) == 3  # 30 calls, 10 a group
    events = "SELECT count(*) FROM outbox WHERE producer = $1 AND msg_key = $2"
    assert await pool.fetchval(events, PRODUCER, str(post_id).encode()) == 30


async def test_one_rows_calls_in_one_group_keep_their_order(pool: asyncpg.Pool) -> None:
    post_id = new_post()
    likes = GroupCommitLikes(PgDatabase(pool), max_group=100, in_flight=1)
    calls = [
        (True, post_id, 7, False),
        (False, post_id, 7, False),
        (True, post_id, 7, False),
        (True, post_id, 8, False),
    ]
    liked, unliked, liked_again, other = await together(likes, calls)
    assert (liked.changed, unliked.changed, liked_again.changed, other.changed) == (True, True, True, True)
    assert liked.order is not None and unliked.order is not None and liked_again.order is not None
    assert liked.order < unliked.order < liked_again.order
    assert len(set(await committed_at(pool, post_id))) == 1
    assert await pool.fetchval("SELECT count(*) FROM engagement.likes WHERE post_id = $1", post_id) == 2


async def test_a_failed_group_fails_every_call_and_commits_none(pool: asyncpg.Pool) -> None:
    post_id = new_post()
    likes = GroupCommitLikes(PgDatabase(pool), max_group=100, in_flight=1)
    good = [likes.set_like(True, post_id, user, False, event(post_id)) for user in (1, 2)]
    bad = likes.set_like(True, post_id, 3, False, event(post_id, headers="not json"))
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert all(isinstance(r, asyncpg.PostgresError) for r in results)
    assert await committed_at(pool, post_id) == []
    # the next group is not affected
    assert (await likes.set_like(True, post_id, 1, False, event(post_id))).changed


async def together(likes: GroupCommitLikes, calls: list[tuple[bool, int, int, bool]]) -> list[RowChange]:
    """The calls made in one loop iteration, as concurrent requests make them."""
    return list(
        await asyncio.gather(
            *(likes.set_like(liked, post, user, hidden, event(post)) for liked, post, user, hidden in calls)
        )
    )
