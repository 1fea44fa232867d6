"""A draft is judged against the removals' facts mirrored in Redis before it is visible, and against the store's in
its batch's rest: a fact only the mirror holds refuses it (it is never counted nor written), a fact only the store
holds (a mirror that lost it) takes it away in the rest; removals write both. Applied through the ingest use case
on the real Redis and Cassandra, with users and posts of ids no one else uses."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from services.common import redis_keys
from services.common.clients import ChannelPool
from services.common.redis import create_redis
from services.common.redis_mux import RedisMux
from services.notification.adapters.cassandra_store import CassandraNotificationStore
from services.notification.adapters.live_redis import RedisLiveFeed
from services.notification.adapters.metrics import PrometheusIngestMetrics
from services.notification.adapters.peers import AuthUsers, GraphPeer, PostPeer
from services.notification.adapters.redis_pending import RedisPending
from services.notification.adapters.redis_removals import RedisRemovals
from services.notification.adapters.redis_unread import RedisUnread
from services.notification.app.ingest import Ingest
from services.notification.app.lookups import PeerLookups
from services.notification.domain import rules
from services.notification.domain.model import Change, Kind, Occurrence, PostDeleted, PostLiked, PostUnliked
from stack.settings import StackSettings

RETENTION = 3600


@pytest.fixture
async def tombstones_key(mux: RedisMux) -> AsyncIterator[str]:
    """A set of the test's own: a mirror prunes its set by its retention, and the tests' is short."""
    key = f"notif:test-{uuid.uuid4().hex[:10]}:tombstones"
    yield key
    await mux.execute("DEL", key)


@pytest.fixture
async def ingest(
    stack_settings: StackSettings, mux: RedisMux, store: CassandraNotificationStore, tombstones_key: str
) -> AsyncIterator[Ingest]:
    client = create_redis(stack_settings.redis_url)
    channels = ChannelPool()  # likes and removals ask no peer: nothing listens there
    metrics = PrometheusIngestMetrics()
    yield Ingest(
        store=store,
        unread=RedisUnread(mux, retention_seconds=RETENTION, cap=1000),
        pending=RedisPending(mux),
        mirror=RedisRemovals(mux, retention_seconds=RETENTION, tombstones_key=tombstones_key),
        live=RedisLiveFeed(client),
        lookups=PeerLookups(
            users=AuthUsers(channels, "127.0.0.1:1"),
            graph=GraphPeer(channels, "127.0.0.1:1"),
            posts=PostPeer(channels, "127.0.0.1:1"),
            metrics=metrics,
        ),
        metrics=metrics,
    )
    await channels.close()
    await client.aclose()


def fresh_id() -> int:
    return random.randrange(1 << 50, 1 << 60)


async def apply(ingest: Ingest, change: Change, at_ms: int) -> None:
    await (await ingest.apply([Occurrence(str(uuid.uuid4()), at_ms, change)]))


async def state(mux: RedisMux, store: CassandraNotificationStore, author: int) -> tuple[int, int, int]:
    """(unread ids, pending ones, stored notifications) of the author."""
    unread, pending = await mux.execute_many(
        [["ZCARD", redis_keys.notification_unread(author)], ["HLEN", redis_keys.notification_pending(author)]]
    )
    return int(unread), int(pending), len(await store.page(author, None, 10))


async def test_a_removal_only_the_mirror_holds_refuses_the_draft_before_it_is_visible(
    ingest: Ingest, mux: RedisMux, store: CassandraNotificationStore
) -> None:
    author, liker, post = fresh_id(), fresh_id(), fresh_id()
    now = int(time.time() * 1000)
    await ingest.mirror.source_removed(author, rules.source_of(Kind.LIKE, liker, post), now)  # the store knows nothing
    await apply(ingest, PostLiked(post, liker, author), now - 1000)  # the like that unlike undid, replayed
    assert await state(mux, store, author) == (0, 0, 0)

    deleted_post = fresh_id()
    await ingest.mirror.subject_removed(rules.post_subject(deleted_post), now - 5000)
    await apply(ingest, PostLiked(deleted_post, liker, author), now)  # a deleted post stays deleted
    assert await state(mux, store, author) == (0, 0, 0)


async def test_a_removal_the_mirror_lost_takes_the_notification_away_in_the_rest(
    ingest: Ingest, mux: RedisMux, store: CassandraNotificationStore
) -> None:
    author, liker, post, other_post = fresh_id(), fresh_id(), fresh_id(), fresh_id()
    now = int(time.time() * 1000)
    source = rules.source_of(Kind.LIKE, liker, post)
    await store.remove_source(author, source, now, unlink=False)  # only in the store, as after a Redis restart
    await store.mark_subject_removed(rules.post_subject(other_post), now)
    await apply(ingest, PostLiked(post, liker, author), now - 1000)
    await apply(ingest, PostLiked(other_post, liker, author), now - 1000)
    assert await state(mux, store, author) == (0, 0, 0)
    # and an owed one next to them stays, written and counted once
    await apply(ingest, PostLiked(fresh_id(), liker, author), now)
    assert await state(mux, store, author) == (1, 0, 1)


async def test_removals_write_the_mirror(ingest: Ingest, mux: RedisMux, store: CassandraNotificationStore) -> None:
    author, liker, post = fresh_id(), fresh_id(), fresh_id()
    now = int(time.time() * 1000)
    await apply(ingest, PostLiked(post, liker, author), now - 2000)
    assert await state(mux, store, author) == (1, 0, 1)
    await apply(ingest, PostUnliked(post, liker, author), now - 1000)
    await apply(ingest, PostDeleted(post), now)
    source = (author, rules.source_of(Kind.LIKE, liker, post))
    assert await ingest.mirror.removed_sources([source]) == {source: now - 1000}
    assert await ingest.mirror.tombstones([rules.post_subject(post), rules.post_subject(fresh_id())]) == {
        rules.post_subject(post): now
    }
    assert await state(mux, store, author) == (0, 0, 0)


async def test_the_mirror_keeps_the_latest_removal_within_the_retention(mux: RedisMux, tombstones_key: str) -> None:
    now = time.time()
    mirror = RedisRemovals(mux, retention_seconds=60, clock=lambda: now, tombstones_key=tombstones_key)
    recipient, subject = fresh_id(), f"post:{fresh_id()}"
    await mirror.source_removed(recipient, "follow:1", 2_000)  # older than the retention: gone at the next write
    await mirror.source_removed(recipient, "follow:2", int(now * 1000))
    await mirror.source_removed(recipient, "follow:2", int(now * 1000) - 5)  # a replayed, earlier removal
    await mirror.subject_removed(subject, int(now * 1000))
    await mirror.subject_removed(subject, int(now * 1000) - 5)
    assert await mirror.removed_sources([(recipient, "follow:1"), (recipient, "follow:2")]) == {
        (recipient, "follow:2"): int(now * 1000)
    }
    assert await mirror.tombstones([subject]) == {subject: int(now * 1000)}
    assert 0 < await mux.execute("TTL", redis_keys.notification_removed_sources(recipient)) <= 60
    await mirror.subject_removed(f"post:{fresh_id()}", 3_000)
    assert await mux.execute("ZCARD", tombstones_key) == 1  # the old one pruned as it was written
