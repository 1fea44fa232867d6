"""Storage per item on the running stack, for the capacity model (docs/capacity.md, bench/capacity_model.py).

    flock -s -o /tmp/feedmesh-bench.lock .venv/bin/python -m bench.measure_storage    # -> bench/results/storage-*.json

What it creates (through the real RPCs, reused by later runs): `storage_author_<n>` authors followed by
`storage_reader_<n>` readers (CreateUser, FollowUser), made active with one GetFeed each, and `storage_writer`, whom
nobody follows. Then, each figure a difference between two states so that fixed costs drop out:

- Redis, bytes per home-timeline entry: the authors post two rounds; MEMORY USAGE (every element: SAMPLES 0) of each
  sampled reader's home-timeline sorted set after each round, divided by the entries it gained. Both rounds keep the
  set past Redis's compact encoding (128 entries), where a home timeline of 800 lives. Per reader besides: every key
  under the reader's hash tag and its activity key.
- Cassandra, bytes per row on disk: the fixture's `home_timeline` and `user_timeline` rows copied into tables of the
  same definition in a scratch keyspace whose memtables flush every second (the stack's Cassandra has no JMX, so no
  `nodetool flush`), the SSTables' size on disk (compressed, with their indexes and filters) divided by the rows;
  the keyspace is dropped at the end.
- PostgreSQL, bytes per post: `storage_writer` publishes posts of a fixed length; the size of every relation of the
  `post` schema (tables, partitions, indexes, TOAST) before and after, divided by the posts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from feedmesh.post.v1 import post_service_pb2_grpc

from bench import ROOT
from bench.env import TIMELINE_PREFIX, Bench, machine_facts
from bench.measure_fanout import create_post
from bench.seed import Seeder, bounded
from bench.warm import warm
from services.common import redis_keys

RESULTS = ROOT / "bench" / "results"
SCRATCH_KEYSPACE = "feedmesh_storage_probe"
TABLES = {
    "home_timeline": "user_id bigint, bucket int, post_id bigint, author_id bigint,"
    " PRIMARY KEY ((user_id, bucket), post_id)",
    "user_timeline": "author_id bigint, bucket int, post_id bigint, PRIMARY KEY ((author_id, bucket), post_id)",
}
PG_SIZE = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'post' AND c.relkind = 'r'
"""


def post_text(length: int, rng: random.Random) -> str:
    """Words of random letters, `length` characters: compresses like prose, not like one repeated letter."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append("".join(rng.choice("etaoinshrdlucmfwyp") for _ in range(rng.randint(2, 9))))
    return " ".join(words)[:length]


async def publish(bench: Bench, authors: Sequence[int], per_author: int, length: int, rng: random.Random) -> int:
    stub = post_service_pb2_grpc.PostServiceStub(bench.channel(bench.addr.post))
    jobs = [(a, post_text(length, rng)) for a in authors for _ in range(per_author)]

    async def one(author: int, text: str) -> None:
        await create_post(stub, author, text)

    await bounded(16, (one(a, text) for a, text in jobs))
    return len(jobs)


async def home_usage(bench: Bench, readers: Sequence[int]) -> list[tuple[int, int]]:
    """(entries, bytes) of each reader's home-timeline sorted set."""
    out = []
    for reader in readers:
        key = redis_keys.home_timeline(reader, TIMELINE_PREFIX).ids
        card = await bench.redis.zcard(key)
        usage = await bench.redis.memory_usage(key, samples=0)
        out.append((int(card), int(usage or 0)))
    return out


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def reader_bytes(bench: Bench, reader: int) -> int:
    """Every timeline key of one reader: its home timeline's (hash tag `{h:<reader>}`) and its own (`{u:<reader>}`:
    activity, materialized authors)."""
    keys = []
    for tag in ("h", "u"):
        keys += [k async for k in bench.redis.scan_iter(match=f"{TIMELINE_PREFIX}:{{{tag}:{reader}}}:*", count=1000)]
    sizes = [await bench.redis.memory_usage(k, samples=0) for k in keys]
    return sum(int(s or 0) for s in sizes)


async def redis_figures(bench: Bench, authors: Sequence[int], readers: Sequence[int], posts: tuple[int, int]) -> dict:
    sample = readers[: min(len(readers), 50)]
    await publish(bench, authors, posts[0], 100, random.Random(1))
    await bench.drain()
    first = await home_usage(bench, sample)
    await publish(bench, authors, posts[1], 100, random.Random(2))
    await bench.drain()
    second = await home_usage(bench, sample)
    per_entry = [(b2 - b1) / (c2 - c1) for (c1, b1), (c2, b2) in zip(first, second, strict=True) if c2 > c1]
    if not per_entry:
        raise RuntimeError("no sampled home timeline grew: are the readers active?")
    totals = [await reader_bytes(bench, r) for r in sample[:10]]
    cards = [c for c, _ in second[:10]]
    return {
        "sampled_readers": len(per_entry),
        "entries_before_after": [statistics.median(c for c, _ in first), statistics.median(c for c, _ in second)],
        "bytes_per_home_entry": round(statistics.median(per_entry), 1),
        "bytes_per_home_entry_min_max": [round(min(per_entry), 1), round(max(per_entry), 1)],
        "reader_bytes_total_median": statistics.median(totals),
        "reader_entries_median": statistics.median(cards),
        "encoding": _text(
            await bench.redis.object("encoding", redis_keys.home_timeline(sample[0], TIMELINE_PREFIX).ids)
        ),
    }


async def cassandra_figures(bench: Bench, readers: Sequence[int], authors: Sequence[int]) -> dict:
    session = bench.cassandra
    run = lambda cql, *args: asyncio.to_thread(session.execute, cql, *args)  # noqa: E731
    rows = await run("SELECT value FROM system_views.settings WHERE name = 'data_file_directories'")
    data_dirs = [d.strip() for r in rows for d in r.value.strip("[]").split(",") if d.strip()]
    await run(f"DROP KEYSPACE IF EXISTS {SCRATCH_KEYSPACE}")
    await run(
        f"CREATE KEYSPACE {SCRATCH_KEYSPACE} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    figures: dict[str, Any] = {"data_file_directories": data_dirs}

    async def copy(name: str, table: str, rows: list[tuple[Any, ...]], names: list[str]) -> dict[str, Any]:
        await run(
            f"CREATE TABLE {SCRATCH_KEYSPACE}.{name} ({TABLES[table]}) WITH CLUSTERING ORDER BY (post_id DESC)"
            " AND memtable_flush_period_in_ms = 1000"
        )
        insert = session.prepare(
            f"INSERT INTO {SCRATCH_KEYSPACE}.{name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        )
        await bounded(32, (run(insert, row) for row in rows))
        size = await _flushed_size(data_dirs, name)
        return {"rows": len(rows), "bytes_on_disk": size, "bytes_per_row": round(size / max(1, len(rows)), 1)}

    try:
        sources = {"home_timeline": ("user_id", readers), "user_timeline": ("author_id", authors)}
        for table, (key, owners) in sources.items():
            found = []
            for owner in owners:
                for b in await run(f"SELECT bucket FROM feedmesh.{table}_buckets WHERE {key} = %s", (owner,)):
                    found.extend(
                        await run(f"SELECT * FROM feedmesh.{table} WHERE {key} = %s AND bucket = %s", (owner, b.bucket))
                    )
            names = list(found[0]._fields)
            rows = [tuple(r) for r in found]
            figures[table] = await copy(table, table, rows, names)
            if table == "home_timeline":
                # The fixture's readers follow a handful of authors, whose ids repeat and compress well; a reader
                # follows a hundred or more: the same rows with each post's author one of 150 random ids.
                rng = random.Random(4)
                followees = [rng.getrandbits(62) for _ in range(150)]
                spread = {post: rng.choice(followees) for post in {r[names.index("post_id")] for r in rows}}
                at = names.index("author_id")
                post_at = names.index("post_id")
                varied = [(*r[:at], spread[r[post_at]], *r[at + 1 :]) for r in rows]
                figures["home_timeline_150_authors"] = await copy("home_timeline_spread", table, varied, names)
    finally:
        await run(f"DROP KEYSPACE IF EXISTS {SCRATCH_KEYSPACE}")
    return figures


def _sstable_bytes(data_dirs: Sequence[str], table: str) -> int:
    return sum(
        f.stat().st_size
        for d in data_dirs
        for f in Path(d, SCRATCH_KEYSPACE).glob(f"{table}-*/*")
        if f.is_file() and not f.name.endswith(".log")
    )


async def _flushed_size(data_dirs: Sequence[str], table: str, limit_seconds: float = 60) -> int:
    """The table's SSTable bytes once a flush has written them and the size stays put for 3 s."""
    deadline = time.monotonic() + limit_seconds
    last, steady_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        size = await asyncio.to_thread(_sstable_bytes, data_dirs, table)
        if size != last:
            last, steady_since = size, time.monotonic()
        elif size > 0 and time.monotonic() - steady_since >= 3:
            return size
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{SCRATCH_KEYSPACE}.{table} was not flushed within {limit_seconds:.0f}s")


async def postgres_figures(bench: Bench, writer: int, posts: int, length: int) -> dict:
    conn = await asyncpg.connect(bench.addr.pg_dsn)
    try:
        before = int(await conn.fetchval(PG_SIZE))
        await publish(bench, [writer], posts, length, random.Random(3))
        await conn.execute("ANALYZE post.posts")
        after = int(await conn.fetchval(PG_SIZE))
    finally:
        await conn.close()
    return {
        "posts": posts,
        "text_chars": length,
        "bytes_added": after - before,
        "bytes_per_post": round((after - before) / posts, 1),
    }


async def measure(fixture: str, readers_n: int, authors_n: int, rounds: tuple[int, int], pg_posts: int) -> dict:
    bench = await Bench.open()
    try:
        seeder = Seeder(bench)
        by_handle = await seeder.register(
            [f"{fixture}_author_{i}" for i in range(authors_n)]
            + [f"{fixture}_reader_{i}" for i in range(readers_n)]
            + [f"{fixture}_writer"]
        )
        authors = [by_handle[f"{fixture}_author_{i}"] for i in range(authors_n)]
        readers = [by_handle[f"{fixture}_reader_{i}"] for i in range(readers_n)]
        await seeder.follow_all({(r, a) for r in readers for a in authors})
        await seeder.posts(authors, 1)  # a reader with an empty feed gets no home-timeline cache
        await bench.drain()
        warmed = await warm(bench, readers)
        started = time.monotonic()
        result: dict[str, Any] = {
            "machine": machine_facts(),
            "fixture": {"readers": readers_n, "authors": authors_n, "warm": warmed},
        }
        result["redis"] = await redis_figures(bench, authors, readers, rounds)
        await bench.drain()
        result["cassandra"] = await cassandra_figures(bench, readers, authors)
        result["postgres"] = await postgres_figures(bench, by_handle[f"{fixture}_writer"], pg_posts, 100)
        result["seconds"] = round(time.monotonic() - started, 1)
        return result
    finally:
        await bench.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.measure_storage", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--fixture", default="storage", help="handle prefix of the accounts; a new one for readers below the cap"
    )
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--authors", type=int, default=4)
    parser.add_argument("--rounds", type=int, nargs=2, default=(40, 60), help="posts per author in each Redis round")
    parser.add_argument("--pg-posts", type=int, default=2000)
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.fixture, args.readers, args.authors, tuple(args.rounds), args.pg_posts))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = RESULTS / f"storage-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("redis", "cassandra", "postgres")}, indent=2))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
