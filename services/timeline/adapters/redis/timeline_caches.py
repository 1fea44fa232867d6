"""Redis: the cached id streams, a reader's home timeline (`h`) and an author's own timeline (`a`), in front of
Cassandra (services.common.redis_keys.id_stream names their keys).

A stream is a sorted set of fixed-width ids (score 0, ordered by member: exact 64-bit order, which double scores
cannot give) and `:lo`, the id from which up the set holds every id Cassandra holds (all zeros: everything). Every
trim raises `:lo` to the least id kept. The existence of `:lo` is the cache's existence. Writers add only to a cache
that exists (then trim it), or into the fill buffer of one being built, so a cache built from Cassandra never misses
a write that raced with the build (builds of home timelines are logged, and the durable fanout group pushes again to
the readers whose build began since a post's publication, after its Cassandra write).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from services.common import post_tombstones, redis_keys
from services.common.redis_mux import RedisMux, Script, load_script
from services.timeline.adapters.redis.script_calls import ScriptCall, ScriptRun, as_bytes, as_text, run_batched
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.app.ports import CachedSlice, Reach, StreamKind
from services.timeline.domain.ids import ZERO, from_member, to_member

# A reader whose build began this close to the end of the log's memory might already be forgotten.
_FILLS_LOG_MARGIN_MS = 5_000


class RedisTimelineCaches:
    """Implements app.ports.TimelineCaches."""

    def __init__(
        self, client: aioredis.Redis, mux: RedisMux, settings: TimelineRedisSettings, *, scripts_at_once: int = 0
    ):
        self.client = client
        self.mux = mux  # the scripts (see services.common.redis_mux)
        self.prefix = settings.prefix
        # A batch's script calls are sent this many at a time (0: all in one round trip; see run_batched).
        self.scripts_at_once = scripts_at_once
        self.caps = {StreamKind.HOME: settings.home_max, StreamKind.AUTHOR: settings.author_max}
        # Home caches live while their reader is active (renewed by a read); author caches a day from their fill.
        self.ttls_ms = {StreamKind.HOME: max(int(settings.inactive_seconds), 1) * 1000, StreamKind.AUTHOR: 86_400_000}
        self.fill_ttl_ms = int(settings.fill_ttl_seconds * 1000)
        self._fills_key = redis_keys.home_fills(settings.prefix)
        self.fills_log_ms = int(settings.fills_log_seconds * 1000)
        self._read = load_script(__file__, "read.lua")
        self._add = load_script(__file__, "add.lua")
        self._push_home = load_script(__file__, "push_home.lua")
        self._remove = load_script(__file__, "remove.lua")
        self._begin_fill = load_script(__file__, "begin_fill.lua")
        self._commit_fill = load_script(__file__, "commit_fill.lua")

    def keys(self, kind: str, owner: int) -> redis_keys.IdStreamKeys:
        return redis_keys.id_stream(kind, owner, self.prefix)

    def read_run(self, kind: str, owner: int, before: int | None, count: int) -> ScriptRun:
        """read.lua for the window of `count` ids below `before`."""
        keys = self.keys(kind, owner)
        bound = "+" if before is None else "(" + to_member(before)
        return self._read, [keys.complete_from, keys.ids], [bound, count, self.caps[kind]]

    def home_read_run(
        self, reader: int, before: int | None, count: int, tombstones_key: str, checked: int
    ) -> ScriptRun:
        """`read_run` of the reader's home timeline, also asking the post tombstone set about the first `checked`
        ids."""
        script, keys, args = self.read_run(StreamKind.HOME, reader, before, count)
        return script, [*keys, tombstones_key], [*args, post_tombstones.SENTINEL, checked]

    @staticmethod
    def cached_slice(raw: Any) -> CachedSlice | None:
        """read.lua's reply."""
        if not raw:
            return None
        ids = list(map(from_member, raw[1]))
        if len(raw) < 3:
            return CachedSlice(ids=ids, low=from_member(raw[0]))
        deleted_flags = raw[2]  # the sentinel's, then one per id checked
        deleted = frozenset(i for i, flag in zip(ids, deleted_flags[1:], strict=False) if flag)  # the first ids only
        return CachedSlice(ids=ids, low=from_member(raw[0]), deleted=deleted, checked=len(deleted_flags) - 1)

    async def _batched(self, script: Script, calls: Sequence[ScriptCall]) -> list[Any]:
        return await run_batched(self.mux, script, calls, self.scripts_at_once)

    async def read(self, kind: str, owner: int, before: int | None, count: int) -> CachedSlice | None:
        script, keys, args = self.read_run(kind, owner, before, count)
        return self.cached_slice(await self.mux.run_script(script, keys, args))

    async def read_many(
        self, kind: str, owners: Sequence[int], befores: Sequence[int | None], count: int
    ) -> list[CachedSlice | None]:
        calls: list[ScriptCall] = []
        for owner, before in zip(owners, befores, strict=True):
            _, keys, args = self.read_run(kind, owner, before, count)
            calls.append((keys, args))
        return [self.cached_slice(r) for r in await self._batched(self._read, calls)]

    async def add(self, kind: str, entries: Mapping[int, Sequence[int]]) -> None:
        if not entries:
            return
        head: list[Any] = [self.caps[kind], self.fill_ttl_ms]
        calls = [
            (self.keys(kind, owner), [*head, *(to_member(i) for i in ids)]) for owner, ids in entries.items() if ids
        ]
        await self._batched(self._add, calls)

    async def push_home(self, groups: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[list[Reach]]:
        if not groups:
            return []
        head: list[Any] = [self.caps[StreamKind.HOME], self.fill_ttl_ms, self.prefix]
        calls: list[ScriptCall] = []
        for post_ids, readers in groups:
            ids = sorted(set(post_ids))
            calls.append(([], [*head, len(ids), *(to_member(i) for i in ids), *readers]))
        replies = await self._batched(self._push_home, calls)
        return [[Reach(c - ord("0")) for c in as_bytes(reply)] for reply in replies]

    async def remove(self, kind: str, owner: int, ids: Sequence[int]) -> None:
        if not ids:
            return
        keys = self.keys(kind, owner)
        await self.mux.run_script(
            self._remove,
            [keys.complete_from, keys.ids, keys.fill_buffer],
            [self.caps[kind], *(to_member(i) for i in ids)],
        )

    async def begin_fill(self, kind: str, owner: int) -> str | None:
        keys = self.keys(kind, owner)
        token = uuid.uuid4().hex
        if kind == StreamKind.HOME:  # logged before the build can read Cassandra: see readers_filled_since
            now_ms = int(time.time() * 1000)
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.zadd(self._fills_key, {str(owner): now_ms})
                pipe.zremrangebyscore(self._fills_key, "-inf", now_ms - self.fills_log_ms)
                await pipe.execute()
        got = await self.mux.run_script(
            self._begin_fill, [keys.complete_from, keys.fill_claim], [token, self.fill_ttl_ms]
        )
        return as_text(got) if got else None

    async def readers_filled_since(self, since_ms: int) -> frozenset[int] | None:
        if since_ms < time.time() * 1000 - self.fills_log_ms + _FILLS_LOG_MARGIN_MS:
            return None  # the log may have forgotten some
        readers = await self.client.zrangebyscore(self._fills_key, since_ms, "+inf")
        return frozenset(int(as_text(r)) for r in readers)

    async def commit_fill(self, kind: str, owner: int, token: str, ids: Sequence[int], complete: bool) -> bool:
        complete_from = ZERO if complete or not ids else to_member(min(ids))
        args: list[Any] = [token, self.caps[kind], complete_from, self.ttls_ms[kind], *(to_member(i) for i in ids)]
        return bool(await self.mux.run_script(self._commit_fill, self.keys(kind, owner), args))
