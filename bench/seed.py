"""The benchmark's data, created once and reused by later runs (every step checks what exists first).

- socfb-Reed98 (../shared/data): 962 accounts `bench_reed_<n>` registered through AuthService.CreateUser, and its
  18,812 undirected edges as 37,624 follows through GraphService.FollowUser (the real write path: outbox events,
  cache invalidation). First run ~2-4 min (argon2 per account), then a few seconds of checks.
  Each socfb account has at least 3 posts (CreatePost), so that feeds have full pages.
- Synthetic authors `bench_author_1k`, `bench_author_10k`, `bench_author_100k` (CreateUser) and 100,000 follower
  accounts `bench_fan_<n>`. Registering those through CreateUser would take hours of argon2, so they are a
  *benchmark fixture* written straight into the services' tables: `auth.users` (ids from a leased worker id,
  so they never collide with the services' ids; one shared argon2 hash of a fixed password), `graph.follows`
  (`bench_fan_<n>` follows the 100k author, also the 10k author when n < 10,000, also the 1k author when n <
  1,000: nested audiences) and `graph.user_counts` (recomputed from `graph.follows` for the users touched). No
  follow events are emitted for them: the timeline learns about these follows on the readers' first read (it
  pulls and backfills unmaterialized followees), exactly as after a lost event. The graph service's Redis caches
  of the touched users are invalidated the way the graph does it (generation bumped, cached values deleted).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import argon2
import asyncpg
import grpc
from feedmesh.auth.internal.v1 import auth_internal_service_pb2, auth_internal_service_pb2_grpc
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from feedmesh.graph.v1 import graph_service_pb2, graph_service_pb2_grpc
from feedmesh.post.v1 import post_service_pb2, post_service_pb2_grpc

from bench import ROOT
from bench.env import Bench, as_user
from services.common import redis_keys
from services.common.worker_lease import lease_worker_id

log = logging.getLogger(__name__)

_SOCFB = Path("shared", "data", "socfb-Reed98")
# Beside the checkout (../shared); a git worktree of it may sit further down, so the nearest ancestor that has it.
SOCFB_DIR = next((d / _SOCFB for d in ROOT.parents if (d / _SOCFB).is_dir()), ROOT.parent / _SOCFB)
REED_PREFIX = "bench_reed_"
FAN_PREFIX = "bench_fan_"
PASSWORD = "bench-password-1"
AUTHOR_SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
FAN_COUNT = max(AUTHOR_SIZES.values())
SEED_POSTS_PER_USER = 3
_LOOKUP_BATCH = 1000


@dataclass(frozen=True)
class Dataset:
    reed_ids: list[int]  # index n = socfb node n
    reed_followers: dict[int, list[int]]  # user id -> follower ids (socfb, both directions)
    authors: dict[str, int]  # "1k" | "10k" | "100k" -> author id
    fan_ids: list[int]  # index n = bench_fan_<n>

    def followers_of(self, size: str) -> list[int]:
        """The synthetic author's followers (nested: the first AUTHOR_SIZES[size] fans)."""
        return self.fan_ids[: AUTHOR_SIZES[size]]


def load_edges(directory: Path = SOCFB_DIR) -> tuple[int, list[tuple[int, int]]]:
    nodes = int((directory / "socfb-Reed98.nodes").read_text().split()[0])
    edges = []
    for line in (directory / "socfb-Reed98.edges").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            edges.append((int(parts[0]), int(parts[1])))
    return nodes, edges


def follow_pairs(edges: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Undirected edges as follows both ways (follower node, followee node); self-loops dropped."""
    out: set[tuple[int, int]] = set()
    for u, v in edges:
        if u != v:
            out.add((u, v))
            out.add((v, u))
    return out


async def bounded(n: int, jobs: Iterable[Awaitable[None]]) -> None:
    gate = asyncio.Semaphore(n)

    async def one(job: Awaitable[None]) -> None:
        async with gate:
            await job

    await asyncio.gather(*(one(j) for j in jobs))


class Seeder:
    def __init__(self, bench: Bench):
        self.bench = bench
        self.auth = auth_service_pb2_grpc.AuthServiceStub(bench.channel(bench.addr.auth))
        self.auth_internal = auth_internal_service_pb2_grpc.AuthInternalServiceStub(bench.channel(bench.addr.auth))
        self.graph = graph_service_pb2_grpc.GraphServiceStub(bench.channel(bench.addr.graph))

    # --- accounts through the real RPCs ---------------------------------------------------------------------

    async def lookup(self, handles: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(handles), _LOOKUP_BATCH):
            reply = await self.auth_internal.BatchGetUsersByHandle(
                auth_internal_service_pb2.BatchGetUsersByHandleRequest(
                    handles=list(handles[start : start + _LOOKUP_BATCH])
                ),
                timeout=30,
            )
            found.update({u.handle: u.id for u in reply.users})
        return found

    async def register(self, handles: Sequence[str], concurrency: int = 8) -> dict[str, int]:
        """The accounts with these handles, registering the missing ones (CreateUser, argon2: ~130 ms each)."""
        found = await self.lookup(handles)
        missing = [h for h in handles if h not in found]
        if missing:
            print(f"  registering {len(missing)} accounts through CreateUser ...", flush=True)
            started = time.monotonic()

            async def create(handle: str) -> None:
                try:
                    await self.auth.CreateUser(
                        auth_service_pb2.CreateUserRequest(handle=handle, password=PASSWORD, display_name=handle),
                        timeout=60,
                    )
                except grpc.aio.AioRpcError as exc:
                    if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                        raise

            await bounded(concurrency, (create(h) for h in missing))
            found = await self.lookup(handles)
            print(f"  registered in {time.monotonic() - started:.0f}s", flush=True)
        if len(found) != len(handles):
            raise RuntimeError(f"{len(handles) - len(found)} bench accounts could not be registered")
        return found

    async def follow_all(self, pairs: set[tuple[int, int]], concurrency: int = 32) -> None:
        """FollowUser for every (follower, followee) pair not in graph.follows yet."""
        users = sorted({u for pair in pairs for u in pair})
        conn = await asyncpg.connect(self.bench.addr.pg_dsn)
        try:
            rows = await conn.fetch(
                "SELECT follower_id, followee_id FROM graph.follows"
                " WHERE follower_id = ANY($1::bigint[]) AND followee_id = ANY($1::bigint[])",
                users,
            )
        finally:
            await conn.close()
        missing = sorted(pairs - {(r["follower_id"], r["followee_id"]) for r in rows})
        if not missing:
            return
        print(f"  following {len(missing)} pairs through FollowUser ...", flush=True)
        started = time.monotonic()

        async def follow(follower: int, followee: int) -> None:
            await self.graph.FollowUser(
                graph_service_pb2.FollowUserRequest(user_id=followee), metadata=as_user(follower), timeout=60
            )

        await bounded(concurrency, (follow(a, b) for a, b in missing))
        print(f"  followed in {time.monotonic() - started:.0f}s", flush=True)

    # --- the socfb graph ------------------------------------------------------------------------------------

    async def socfb(self) -> tuple[list[int], dict[int, list[int]]]:
        nodes, edges = load_edges()
        handles = [f"{REED_PREFIX}{n}" for n in range(nodes)]
        ids_by_handle = await self.register(handles)
        ids = [ids_by_handle[h] for h in handles]
        pairs = {(ids[a], ids[b]) for a, b in follow_pairs(edges)}
        await self.follow_all(pairs)
        await self.posts(ids, SEED_POSTS_PER_USER)
        followers: dict[int, list[int]] = {u: [] for u in ids}
        for follower, followee in pairs:
            followers[followee].append(follower)
        return ids, followers

    async def posts(self, authors: Sequence[int], per_author: int) -> None:
        """Up to `per_author` posts by each author (CreatePost), so feeds have pages to read."""
        conn = await asyncpg.connect(self.bench.addr.pg_dsn)
        try:
            rows = await conn.fetch(
                "SELECT author_id, count(*) AS n FROM post.posts"
                " WHERE author_id = ANY($1::bigint[]) AND deleted_at IS NULL GROUP BY author_id",
                list(authors),
            )
        finally:
            await conn.close()
        have = {r["author_id"]: r["n"] for r in rows}
        jobs = [(a, n) for a in authors for n in range(have.get(a, 0), per_author)]
        if not jobs:
            return
        print(f"  publishing {len(jobs)} seed posts through CreatePost ...", flush=True)
        stub = post_service_pb2_grpc.PostServiceStub(self.bench.channel(self.bench.addr.post))

        async def publish(author: int, n: int) -> None:
            await stub.CreatePost(
                post_service_pb2.CreatePostRequest(text=f"bench seed post {n}"), metadata=as_user(author), timeout=60
            )

        await bounded(16, (publish(a, n) for a, n in jobs))

    # --- the synthetic audiences (a fixture: straight into the tables) ---------------------------------------

    async def synthetic(self) -> tuple[dict[str, int], list[int]]:
        by_handle = await self.register([f"bench_author_{size}" for size in AUTHOR_SIZES])
        authors = {size: by_handle[f"bench_author_{size}"] for size in AUTHOR_SIZES}
        conn = await asyncpg.connect(self.bench.addr.pg_dsn)
        try:
            fans = await self._fan_accounts(conn)
            touched = await self._fan_follows(conn, authors, fans)
            if touched:
                await self._recount(conn, [*authors.values(), *fans])
                await self._invalidate_graph_cache([*authors.values(), *fans])
        finally:
            await conn.close()
        # A reader whose feed is empty gets no home-timeline cache, and fanout pushes only into existing caches.
        await self.posts(list(authors.values()), SEED_POSTS_PER_USER)
        return authors, fans

    async def _fan_accounts(self, conn: asyncpg.Connection) -> list[int]:
        handles = [f"{FAN_PREFIX}{n}" for n in range(FAN_COUNT)]
        query = "SELECT handle, id FROM auth.users WHERE handle LIKE 'bench\\_fan\\_%'"
        existing = {r["handle"]: r["id"] for r in await conn.fetch(query)}
        missing = [h for h in handles if h not in existing]
        if missing:
            print(f"  bulk-inserting {len(missing)} follower accounts into auth.users (fixture) ...", flush=True)
            digest = argon2.PasswordHasher(type=argon2.Type.ID).hash(PASSWORD)
            lease = await lease_worker_id(self.bench.addr.pg_dsn)
            try:
                gen = lease.generator()
                records = [(gen.next_id(), h, digest, h, False) for h in missing]
            finally:
                await lease.release()
            await conn.copy_records_to_table(
                "users",
                schema_name="auth",
                columns=["id", "handle", "password_hash", "display_name", "private"],
                records=records,
            )
            existing.update({h: i for i, h, *_ in records})
        return [existing[h] for h in handles]

    async def _fan_follows(self, conn: asyncpg.Connection, authors: dict[str, int], fans: list[int]) -> bool:
        wanted = {(fan, authors[size]) for size, n in AUTHOR_SIZES.items() for fan in fans[:n]}
        rows = await conn.fetch(
            "SELECT follower_id, followee_id FROM graph.follows WHERE followee_id = ANY($1::bigint[])",
            list(authors.values()),
        )
        missing = sorted(wanted - {(r["follower_id"], r["followee_id"]) for r in rows})
        if not missing:
            return False
        print(f"  bulk-inserting {len(missing)} follows into graph.follows (fixture) ...", flush=True)
        await conn.copy_records_to_table(
            "follows", schema_name="graph", columns=["follower_id", "followee_id"], records=missing
        )
        return True

    @staticmethod
    async def _recount(conn: asyncpg.Connection, users: list[int]) -> None:
        """graph.user_counts of these users, recomputed from graph.follows (what the graph keeps in step)."""
        await conn.execute(
            """
            INSERT INTO graph.user_counts (user_id, follower_count, following_count)
            SELECT u,
                   (SELECT count(*) FROM graph.follows f WHERE f.followee_id = u),
                   (SELECT count(*) FROM graph.follows f WHERE f.follower_id = u)
            FROM unnest($1::bigint[]) AS u
            ON CONFLICT (user_id) DO UPDATE
                SET follower_count = EXCLUDED.follower_count, following_count = EXCLUDED.following_count
            """,
            users,
        )

    async def _invalidate_graph_cache(self, users: list[int]) -> None:
        """What services/graph/adapters/redis_cache.py `invalidate` does: bump the generation (so a fill racing
        with this cannot store stale data) and delete the cached counts and follower sets."""
        for start in range(0, len(users), 5000):
            async with self.bench.redis.pipeline(transaction=False) as pipe:
                for user in users[start : start + 5000]:
                    pipe.incr(redis_keys.graph_generation(user))
                    pipe.expire(redis_keys.graph_generation(user), 86_400)
                    pipe.delete(redis_keys.graph_counts(user), redis_keys.graph_followers(user))
                await pipe.execute()


async def seed(bench: Bench) -> Dataset:
    started = time.monotonic()
    seeder = Seeder(bench)
    reed_ids, reed_followers = await seeder.socfb()
    authors, fans = await seeder.synthetic()
    print(f"  seed checked/created in {time.monotonic() - started:.1f}s", flush=True)
    return Dataset(reed_ids=reed_ids, reed_followers=reed_followers, authors=authors, fan_ids=fans)
