"""Shadow bans in the real PostgreSQL and their cached state in the real Redis: a ban is recorded once, lifted once,
paged newest first; the cache follows every committed change at once, never puts an old state back, and falls back
to PostgreSQL while Redis is unreachable."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.common import redis_keys
from services.common.redis_mux import RedisMux
from services.engagement.adapters.postgres_shadow_bans import PgShadowBanStore
from services.engagement.adapters.redis_ban_cache import CachedShadowBans
from services.engagement.domain.shadow_bans import BanState, ShadowBan
from tests.integration.engagement.abuse.conftest import DAY, user_id_aged


async def test_a_ban_is_recorded_once_and_lifted_once(pg_pool: asyncpg.Pool, users: list[int]) -> None:
    store = PgShadowBanStore(pg_pool)
    user = user_id_aged(30 * DAY)
    users.append(user)
    assert await store.get(user) is None
    ban, new = await store.ban(user, "spam ring", "alice")
    assert new and ban.state is BanState.ACTIVE and (ban.reason, ban.banned_by) == ("spam ring", "alice")
    again, new = await store.ban(user, "other reason", "bob")
    assert not new and again == ban  # the ban in force stands as it was
    lifted = await store.lift(user, "carol")
    assert lifted is not None and lifted.state is BanState.LIFTED and lifted.lifted_by == "carol"
    assert lifted.banned_at == ban.banned_at and lifted.lifted_at is not None
    assert await store.lift(user, "carol") is None
    assert await store.get(user) == lifted
    rebanned, new = await store.ban(user, "back at it", "dave")
    assert new and rebanned.state is BanState.ACTIVE and rebanned.reason == "back at it" and rebanned.lifted_by == ""


async def test_active_bans_page_newest_first(pg_pool: asyncpg.Pool, users: list[int]) -> None:
    store = PgShadowBanStore(pg_pool)
    banned = [user_id_aged(30 * DAY) for _ in range(4)]
    users.extend(banned)
    for user in banned:
        await store.ban(user, "", "alice")
    await store.lift(banned[1], "alice")
    seen: list[int] = []
    after = None
    while True:  # other tests' bans may be listed too: page until ours are all past
        page = await store.active_page(after, 2)
        seen += [b.user_id for b in page]
        if len(page) < 2 or not set(banned) - {banned[1]} - set(seen):
            break
        after = (page[-1].banned_at, page[-1].user_id)
    ours = [u for u in seen if u in banned]
    assert ours == [banned[3], banned[2], banned[0]]
    assert len(seen) == len(set(seen))


async def test_the_cache_follows_committed_changes_and_never_restores_an_old_state(
    pg_pool: asyncpg.Pool, mux: RedisMux, users: list[int], redis_client: Any
) -> None:
    store = PgShadowBanStore(pg_pool)
    one_process, another = CachedShadowBans(mux, store, ttl_seconds=600), CachedShadowBans(mux, store, ttl_seconds=600)
    user = user_id_aged(30 * DAY)
    users.append(user)
    assert await another.state(user) is BanState.NEVER  # cached now
    assert redis_client.get(redis_keys.engagement_ban_state(user)) == b"never"
    await store.ban(user, "", "alice")
    await one_process.remember(user, BanState.ACTIVE)
    assert await another.state(user) is BanState.ACTIVE
    # a lookup that read PostgreSQL before the ban fills only an empty entry: it cannot undo the ban
    await another.mux.execute("SET", redis_keys.engagement_ban_state(user), "never", "EX", 600, "NX")
    assert await another.state(user) is BanState.ACTIVE
    await store.lift(user, "alice")
    await one_process.remember(user, BanState.LIFTED)
    assert await another.state(user) is BanState.LIFTED
    assert 0 < redis_client.ttl(redis_keys.engagement_ban_state(user)) <= 600


async def test_without_redis_postgres_answers(pg_pool: asyncpg.Pool, users: list[int]) -> None:
    store = PgShadowBanStore(pg_pool)
    user = user_id_aged(30 * DAY)
    users.append(user)
    await store.ban(user, "", "alice")
    unreachable = RedisMux("redis://127.0.0.1:1/0", connect_timeout=1)
    try:
        assert await CachedShadowBans(unreachable, store, ttl_seconds=600).state(user) is BanState.ACTIVE
    finally:
        await unreachable.close()


class CountingStore(PgShadowBanStore):
    """The real store, counting the statements that read states."""

    reads = 0

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, ShadowBan]:
        self.reads += 1
        return await super().get_many(user_ids)


async def test_concurrent_misses_are_read_together_each_with_its_own_state(
    pg_pool: asyncpg.Pool, mux: RedisMux, users: list[int]
) -> None:
    store = CountingStore(pg_pool)
    banned, lifted, never = (user_id_aged(30 * DAY) for _ in range(3))
    users.extend([banned, lifted, never])
    await store.ban(banned, "", "alice")
    await store.ban(lifted, "", "alice")
    await store.lift(lifted, "alice")
    cache = CachedShadowBans(mux, store, ttl_seconds=600)
    asked = [banned, lifted, never] * 4
    states = await asyncio.gather(*(cache.state(u) for u in asked))
    want = {banned: BanState.ACTIVE, lifted: BanState.LIFTED, never: BanState.NEVER}
    assert states == [want[u] for u in asked]
    assert store.reads <= 2  # the misses went together (the first alone, at most)
    assert [await cache.state(u) for u in (banned, lifted, never)] == [want[banned], want[lifted], want[never]]
    assert store.reads <= 2  # cached now
