"""The rests' rows are written in rounds on the real Cassandra: what is handed over while a round runs goes in one
next round, and a source handed over twice ends naming the later notification, in a round or across rounds."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest

from services.common.cassandra import connect
from services.notification.adapters.cassandra_store import CassandraNotificationStore
from services.notification.app.row_writes import RowWrites
from services.notification.domain import rules
from services.notification.domain.model import Draft, Kind, Occurrence, PostLiked
from stack.settings import StackSettings


class CountedStore(CassandraNotificationStore):
    """The real store, counting the calls that write notification rows."""

    writes: list[int]

    async def write(self, drafts: Sequence[Draft]) -> None:
        self.writes.append(len(drafts))
        await super().write(drafts)


@pytest.fixture
async def store(stack_settings: StackSettings) -> AsyncIterator[CountedStore]:
    cluster, session = await asyncio.to_thread(
        connect, stack_settings.cassandra_hosts, stack_settings.cassandra_port, "feedmesh", "LOCAL_ONE"
    )
    opened = await asyncio.to_thread(lambda: CountedStore(session, ttl_seconds=3600))
    opened.writes = []
    yield opened
    await asyncio.to_thread(cluster.shutdown)


def like(author: int, liker: int, post: int, at_ms: int) -> Draft:
    occurrence = Occurrence(str(uuid.uuid4()), at_ms, PostLiked(post, liker, author))
    return rules.draft(occurrence, author, Kind.LIKE, liker, post_id=post)


async def test_rows_handed_over_during_a_round_share_the_next_and_the_last_link_wins(store: CountedStore) -> None:
    author, post = random.randrange(1 << 50, 1 << 60), random.randrange(1 << 50, 1 << 60)
    now = int(time.time() * 1000)
    first = [like(author, liker, post, now) for liker in range(1, 4)]
    again = like(author, 1, post, now + 1)  # liker 1's source again, later: the link must end naming it
    last = like(author, 1, post, now + 2)
    rows = RowWrites(store)
    written = [rows.write(first)]
    await asyncio.sleep(0)  # the first round starts: what is handed over now waits for the next
    written += [rows.write([again]), rows.write([last])]
    await asyncio.gather(*written)
    assert store.writes == [3, 2]
    key = (author, last.source)
    assert (await store.sources([key]))[key].notification_id == last.notification.id
    assert {n.id for n in await store.page(author, None, 10)} == {d.notification.id for d in [*first, again, last]}
    await store.delete([d.notification for d in [*first, again, last]])
