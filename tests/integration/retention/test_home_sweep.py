"""The home timelines of readers gone are dropped from Cassandra (app/home_sweep.py): every row and bucket index of
a reader with no activity mark, none of an active reader's, and nothing a returning reader wrote after the activity
check. Real Cassandra (the stack's keyspace) and Redis (keys of a fresh prefix); the sweep sees only this test's
readers, so that it leaves the shared stack's timelines alone."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from services.common.ids import EPOCH_MS
from services.common.redis import create_redis
from services.common.redis_mux import RedisMux
from services.timeline.adapters.cassandra_home_sweep import CassandraHomeRows
from services.timeline.adapters.cassandra_store import CassandraTimelineStore
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.adapters.redis.timeline_redis import TimelineRedis
from services.timeline.app.home_sweep import HomeSweep
from services.timeline.domain.buckets import home_bucket
from services.timeline.domain.home_retention import deletion_timestamp_us
from stack.settings import StackSettings

DAY_MS = 86_400_000


class OnlyThese:
    """The real listing of readers with home rows, narrowed to the test's own."""

    def __init__(self, rows: CassandraHomeRows, owners: set[int]):
        self.rows, self.mine = rows, owners

    async def owners(self, page_size: int) -> AsyncIterator[list[int]]:
        async for page in self.rows.owners(page_size):
            mine = [o for o in page if o in self.mine]
            if mine:
                yield mine

    async def drop(self, owners: Sequence[int], written_before_us: int) -> None:
        assert set(owners) <= self.mine
        await self.rows.drop(owners, written_before_us)


def post_id(days_ago: float) -> int:
    ms = int(time.time() * 1000 - days_ago * DAY_MS) - EPOCH_MS
    return (ms << 22) | random.randrange(1 << 22)


async def home(store: CassandraTimelineStore, reader: int) -> list[int]:
    return await store.read_home(reader, None, 100)


def write_at(session: Any, reader: int, post: int, written_at: float, *, index: bool = True) -> None:
    """A home row (and its bucket index row) as written at `written_at` (a fanout long ago, say)."""
    ts = int(written_at * 1_000_000)
    bucket = home_bucket(post)
    session.execute(
        "INSERT INTO home_timeline (user_id, bucket, post_id, author_id) VALUES (%s, %s, %s, 7) USING TIMESTAMP %s",
        (reader, bucket, post, ts),
    )
    if index:
        session.execute(
            "INSERT INTO home_timeline_buckets (user_id, bucket) VALUES (%s, %s) USING TIMESTAMP %s",
            (reader, bucket, ts),
        )


def index_of(session: Any, reader: int) -> list[int]:
    return [r.bucket for r in session.execute("SELECT bucket FROM home_timeline_buckets WHERE user_id = %s", (reader,))]


async def test_inactive_readers_lose_their_home_rows_and_active_ones_keep_them(
    stack_settings: StackSettings, cassandra_session: Any
) -> None:
    idle, active = random.randrange(10**15, 10**16), random.randrange(10**15, 10**16)
    store = CassandraTimelineStore(cassandra_session)
    posts = sorted((post_id(d) for d in (0.1, 2.5, 9.0)), reverse=True)  # three buckets
    for reader in (idle, active):
        for post in posts:
            write_at(cassandra_session, reader, post, time.time() - 7200)
    assert await home(store, idle) == posts

    client, mux = create_redis(stack_settings.redis_url), RedisMux(stack_settings.redis_url)
    try:
        cache = TimelineRedis.build(
            client,
            mux,
            TimelineRedisSettings(
                home_max=100, author_max=100, inactive_seconds=3600, prefix=f"tl-t-{uuid.uuid4().hex[:8]}"
            ),
        )
        await cache.read_start.touch(active)  # read lately: its activity mark is there
        sweep = HomeSweep(OnlyThese(CassandraHomeRows(cassandra_session), {idle, active}), cache.readers, page_size=50)
        assert await sweep.run_once() == 1
    finally:
        await client.aclose()
        await mux.close()

    assert await home(store, idle) == [] and index_of(cassandra_session, idle) == []
    assert await home(store, active) == posts and len(index_of(cassandra_session, active)) == 3


async def test_what_a_returning_reader_writes_after_the_check_stays_and_keeps_its_index(cassandra_session: Any) -> None:
    reader = random.randrange(10**15, 10**16)
    store = CassandraTimelineStore(cassandra_session)
    now = time.time()
    gone, kept_bucket_mate, back = post_id(3.0), post_id(0.2), post_id(0.0)
    write_at(cassandra_session, reader, gone, now - 7200)
    write_at(cassandra_session, reader, kept_bucket_mate, now - 7200)
    # Written after the deletion's time, before the check, by a writer that remembered the bucket's index row (so it
    # did not write it again): the sweep must give the row its index back.
    write_at(cassandra_session, reader, post_id(0.2), now - 300, index=False)
    checked_at = now  # the sweep found the reader inactive ...
    # ... and the reader came back: a backfill writes rows after the check.
    await store.add_home([(reader, back, 7)])
    await CassandraHomeRows(cassandra_session).drop([reader], deletion_timestamp_us(checked_at))
    found = await home(store, reader)
    assert back in found and gone not in found and kept_bucket_mate not in found and len(found) == 2
