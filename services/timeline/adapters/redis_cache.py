"""Redis: the timeline caches and the per-reader state, through redis.asyncio and a few Lua scripts.

A cached id stream (a reader's home timeline `h`, or an author's timeline `a`) is two keys under one hash tag:
`tl:{h:42}:z`, a sorted set of fixed-width ids (score 0, ordered by member: exact 64-bit order, which double
scores cannot give), and `tl:{h:42}:lo`: the set holds every id at or above `lo` that Cassandra holds (all zeros:
everything). Every trim raises `lo` to the least id kept; _READ still answers the higher of `lo` and a full set's
least member as `low`, for sets trimmed by earlier versions (whose push left `lo` alone). The `lo` key's existence
is the cache's existence. Writers add only to a cache that exists (then trim it), or into the fill buffer of one
being built, so a cache built from Cassandra never misses a write that raced with the build (builds of home
timelines are logged in `tl:fills`, and the durable fanout group pushes again to those begun since a post's
publication, after its Cassandra write).

Per author: `tl:{a:42}:recent`, the author's posts of the last minutes (member -> when noted, ms), which a backfill
reads along with the author's timeline in Cassandra while their writes there may still be in flight.

Per reader: `tl:{u:42}:active` (set by a read, renewed at most once a minute, expires after the inactivity period:
no key = inactive),
`tl:{u:42}:gen` and `tl:{u:42}:src` (author -> floor: the authors materialized in the home timeline), and
`tl:{u:42}:srcv`, counting the changes to `src` (with `gen` and `tl:pull_only:v`, the version of what a read needs
from them).

Posts in flight, from their note until every follower is pushed to: `tl:in_flight` (member `author:post` -> when
noted, ms), read by every touch, and per post `tl:{p:7}:left`, what is left: `+` until the last listing page is out,
and the fanout chunks not pushed yet, each named by its first reader. A post leaves the registry when nothing is
left, or after the in-flight period.

`tl` is the default key prefix (FEEDMESH_REDIS_PREFIX): timelines that share a Redis but not their caps (the
tests' small-cap timeline next to the stack's) must not share keys.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from services.common import post_tombstones
from services.common.redis_mux import RedisMux, Script
from services.common.relationship_version import relationship_version_key
from services.timeline.app.local_cache import LruCache
from services.timeline.app.ports import CachedSlice, StreamKind, Touch
from services.timeline.domain.delivery import InFlight
from services.timeline.domain.ids import ZERO, from_member, to_member

# KEYS: lo, z[, the post tombstone set]. ARGV: max (exclusive lex bound), count, cap[, the set's sentinel, how many
# of the ids read to check]. Given the tombstone set, also answers which of the first ids read are deleted (the
# SMISMEMBER flags, the sentinel's first), in the same round trip: left out when the set is not complete (no
# sentinel). The set holds ids in plain decimal. Only the ids a page may show are checked: the rest of the window
# is read ahead for the next page, and each id checked here cost Redis about a third of a microsecond of Lua. The
# leading zeros are skipped byte by byte: string.gsub made the whole script 20% slower (68 against 56 us per call
# for a window of 48 with 38 checked, 2026-11-25).
_READ = """
local lo = redis.call('GET', KEYS[1])
if not lo then return false end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  local least = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if least > lo then lo = least end
end
local ids = redis.call('ZREVRANGEBYLEX', KEYS[2], ARGV[1], '-', 'LIMIT', 0, tonumber(ARGV[2]))
if #KEYS < 3 then return {lo, ids} end
local asked = {ARGV[4]}
for i = 1, math.min(#ids, tonumber(ARGV[5])) do
  local id, j = ids[i], 1
  while string.byte(id, j) == 48 do j = j + 1 end
  asked[i + 1] = string.sub(id, j)
end
local flags = redis.call('SMISMEMBER', KEYS[3], unpack(asked))
if flags[1] == 0 then return {lo, ids} end
return {lo, ids, flags}
"""

# KEYS: lo, z, fill, buf. ARGV: cap, fill buffer ttl ms, ids...
_ADD = """
local lo = redis.call('GET', KEYS[1])
if lo then
  for i = 3, #ARGV do
    if ARGV[i] >= lo then redis.call('ZADD', KEYS[2], 0, ARGV[i]) end
  end
  local cap = tonumber(ARGV[1])
  local n = redis.call('ZCARD', KEYS[2])
  if n > cap then
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - cap - 1)
    redis.call('SET', KEYS[1], redis.call('ZRANGE', KEYS[2], 0, 0)[1])
  end
  return 1
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  for i = 3, #ARGV do redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
  return 2
end
return 0
"""

# The fanout push: some posts (ids ascending) into the home timelines of some readers, each reader's ids in one
# ZADD, so a burst of one author's posts costs one write per reader, not one per post. A set grows to its cap plus
# an eighth before it is trimmed back to its cap with `lo` raised to what it still holds: one trim serves many
# pushes (a trim per push doubled the script's cost). Ids below a reader's `lo` are left out, so the set stays
# complete from `lo` up. Keys are built here from the prefix and the reader ids (one argument per reader, not four
# keys): all of them on one Redis, or called per slot on a cluster. ARGV: cap, fill buffer ttl ms, prefix, k, k ids,
# readers... Returns one character per reader: '1' active (written or buffered), '0' no cache.
_PUSH = """
local cap = tonumber(ARGV[1])
local prefix = ARGV[3]
local k = tonumber(ARGV[4])
local least = ARGV[5]
local limit = cap + math.floor(cap / 8)
local all = {}
for j = 1, k do all[2 * j - 1] = 0; all[2 * j] = ARGV[4 + j] end
local flags = {}
for i = 5 + k, #ARGV do
  local h = prefix .. ':{h:' .. ARGV[i] .. '}'
  local lo = redis.call('GET', h .. ':lo')
  if lo then
    flags[#flags + 1] = '1'
    local z = h .. ':z'
    local zargs = all
    if least < lo then
      zargs = {}
      for j = 1, k do
        if ARGV[4 + j] >= lo then zargs[#zargs + 1] = 0; zargs[#zargs + 1] = ARGV[4 + j] end
      end
    end
    if #zargs > 0 and redis.call('ZADD', z, unpack(zargs)) > 0 and redis.call('ZCARD', z) > limit then
      redis.call('ZREMRANGEBYRANK', z, 0, -cap - 1)
      redis.call('SET', h .. ':lo', redis.call('ZRANGE', z, 0, 0)[1], 'KEEPTTL')
    end
  elseif redis.call('EXISTS', h .. ':fill') == 1 then
    flags[#flags + 1] = '1'
    redis.call('ZADD', h .. ':buf', unpack(all))
    redis.call('PEXPIRE', h .. ':buf', ARGV[2])
  else
    flags[#flags + 1] = '0'
  end
end
return table.concat(flags)
"""

# The chunks a listing page of posts went out in (one set of what is left per post, `+` for pages to come; see the
# module docstring): a post with nothing left leaves the registry. KEYS: the registry. ARGV: prefix, period ms,
# author, more ('1': another page follows), k, k post ids, chunk names...
_CHUNKS_IN_FLIGHT = """
local prefix, period, k = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[5])
local chunks = {}
for i = 6 + k, #ARGV do chunks[#chunks + 1] = ARGV[i] end
for j = 6, 5 + k do
  local left = prefix .. ':{p:' .. ARGV[j] .. '}:left'
  for i = 1, #chunks, 1000 do redis.call('SADD', left, unpack(chunks, i, math.min(i + 999, #chunks))) end
  if ARGV[4] == '1' then redis.call('SADD', left, '+') else redis.call('SREM', left, '+') end
  if redis.call('PEXPIRE', left, period) == 0 then redis.call('ZREM', KEYS[1], ARGV[3] .. ':' .. ARGV[j]) end
end
"""

# KEYS: the registry. ARGV: prefix, then (post id, author id, chunk name) triples.
_END_IN_FLIGHT = """
for i = 2, #ARGV, 3 do
  local left = ARGV[1] .. ':{p:' .. ARGV[i] .. '}:left'
  redis.call('SREM', left, ARGV[i + 2])
  if redis.call('EXISTS', left) == 0 then redis.call('ZREM', KEYS[1], ARGV[i + 1] .. ':' .. ARGV[i]) end
end
"""

# Removing ids can take a full set below its cap, where _READ would trust `lo` again: first raise `lo` to what the
# full set vouches for. An emptied set takes its `lo` with it (rebuilt on the next read). KEYS: lo, z, buf.
# ARGV: cap, members...
_REMOVE = """
local lo = redis.call('GET', KEYS[1])
if lo and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then
  local least = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if least > lo then redis.call('SET', KEYS[1], least) end
end
for i = 2, #ARGV do
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZREM', KEYS[3], ARGV[i])
end
if lo and redis.call('EXISTS', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) end
return 1
"""

# KEYS: the readers' active keys. Returns one character per reader: '1' active, '0' not.
_ACTIVE = """
local flags = {}
for i = 1, #KEYS do flags[i] = tostring(redis.call('EXISTS', KEYS[i])) end
return table.concat(flags)
"""

# KEYS: lo, fill. ARGV: token, ttl ms.
_BEGIN_FILL = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return ARGV[1] end
return false
"""

# KEYS: lo, z, fill, buf. ARGV: token, cap, low, ttl ms, ids... A fill with nothing to hold creates no cache (the
# reader's next read fills again): an empty sorted set does not exist in Redis, so its `lo` could not expire with it.
_COMMIT_FILL = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
local buffered = redis.call('ZRANGE', KEYS[4], 0, -1)
redis.call('DEL', KEYS[3], KEYS[4])
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
local lo = ARGV[3]
for i = 5, #ARGV do redis.call('ZADD', KEYS[2], 0, ARGV[i]) end
for _, m in ipairs(buffered) do
  if m >= lo then redis.call('ZADD', KEYS[2], 0, m) end
end
local cap = tonumber(ARGV[2])
local n = redis.call('ZCARD', KEYS[2])
if n == 0 then return 0 end
if n > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - cap - 1)
  lo = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
end
local ttl = tonumber(ARGV[4])
redis.call('SET', KEYS[1], lo, 'PX', ttl)
redis.call('PEXPIRE', KEYS[2], ttl + 60000)
return 1
"""

# KEYS: active, gen, src, pull-only set, the graph's relationship version, home lo, home z, src version, pull-only
# set version. ARGV: now, inactivity ttl seconds, the sources version the caller holds ('' for none), how old (s) the
# last refresh must be to refresh again. The home cache lives as long as the reader stays active (its `lo` first, so
# the pair never half-exists); the three expiries are refreshed at most that often, not on every read: they were
# most of the script's writes, and each write also goes to the append-only file. Returns the stale flag,
# the generation, the sources (author, floor, ...) and the sources that are pull-only authors, or false for both
# when the caller holds them already (the same sources version), the relationship version and the sources version.
# A reader's sources change seldom and a read needs them every time: not sending them again saved Redis most of
# this script's time.
_TOUCH = """
local prev = redis.call('GET', KEYS[1])
local last = prev and tonumber(prev)
if not last or tonumber(ARGV[1]) - last >= tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  if redis.call('EXPIRE', KEYS[6], ARGV[2]) == 1 then redis.call('EXPIRE', KEYS[7], ARGV[2] + 60) end
end
local stale = 0
if not prev then
  stale = 1
  redis.call('INCR', KEYS[2])
  redis.call('DEL', KEYS[3])
end
local gen = redis.call('GET', KEYS[2]) or '0'
local relationship = redis.call('GET', KEYS[5]) or ''
local version = gen .. ':' .. (redis.call('GET', KEYS[8]) or '0') .. ':' .. (redis.call('GET', KEYS[9]) or '0')
if version == ARGV[3] then return {stale, gen, false, false, relationship, version} end
local sources = redis.call('HGETALL', KEYS[3])
local pull_only = {}
if #sources > 0 then
  local authors = {}
  for i = 1, #sources, 2 do authors[#authors + 1] = sources[i] end
  local flags = redis.call('SMISMEMBER', KEYS[4], unpack(authors))
  for i = 1, #authors do
    if flags[i] == 1 then pull_only[#pull_only + 1] = authors[i] end
  end
end
return {stale, gen, sources, pull_only, relationship, version}
"""

# KEYS: gen, src, src version. ARGV: generation, author, floor.
_SET_SOURCE = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('INCR', KEYS[3])
return 1
"""

# KEYS: src, src version. ARGV: authors.
_DROP_SOURCES = """
if redis.call('HDEL', KEYS[1], unpack(ARGV)) > 0 then redis.call('INCR', KEYS[2]) end
return 1
"""

# KEYS: the pull-only set, its version. ARGV: author.
_MARK_PULL_ONLY = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('INCR', KEYS[2]) end
return 1
"""


# A reader's sources as this process last read them: (their version, author -> floor, the pull-only ones).
_HeldSources = tuple[str, dict[int, int], frozenset[int]]

# Readers per activity check (see active_readers).
ACTIVE_CHECK_KEYS = 500

# A reader whose build began this close to the end of the log's memory might already be forgotten.
_FILLS_LOG_MARGIN_MS = 5_000


IN_FLIGHT_READ_MAX = 256


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisTimelineCache:
    def __init__(
        self,
        client: aioredis.Redis,
        mux: RedisMux,
        *,
        home_max: int,
        author_max: int,
        inactive_seconds: int,
        fill_ttl_seconds: float = 10.0,
        fills_log_seconds: float = 900.0,
        prefix: str = "tl",
        tombstones_key: str = post_tombstones.KEY,
        sources_cache_size: int = 100_000,
        recent_seconds: float = 600.0,
        in_flight_seconds: float = 120.0,
        scripts_at_once: int = 0,
    ):
        self.client = client
        self.mux = mux  # the scripts and the read path's other commands (see services.common.redis_mux)
        # A batch's script calls are sent this many at a time (0: all in one round trip). Redis serves its clients
        # in turns, each turn what one client sent (up to 16 KB): a bulk client that sends one call at a time lets
        # the others in between its calls, not between its batches.
        self.scripts_at_once = scripts_at_once
        self.prefix = prefix
        self.tombstones_key = tombstones_key  # the post service's set (services.common.post_tombstones)
        self._pull_only_key = f"{prefix}:pull_only"
        self._pull_only_version_key = f"{prefix}:pull_only:v"
        # reader -> (sources version, sources, pull-only sources) as last read: a touch that finds the same version
        # in Redis is answered without them (see _TOUCH)
        self._sources: LruCache[int, _HeldSources] = LruCache(sources_cache_size, float("inf"))
        # reader id -> when a build of its home timeline last began (ms), for fills_log_seconds
        self._fills_key = f"{prefix}:fills"
        self.fills_log_ms = int(fills_log_seconds * 1000)
        self.caps = {"h": home_max, "a": author_max}
        # Home caches live while their reader is active (refreshed by touch); author caches a day from their fill.
        self.ttls_ms = {"h": max(int(inactive_seconds), 1) * 1000, "a": 86_400_000}
        self.inactive_seconds = max(int(inactive_seconds), 1)
        # A reader's activity (and its home cache's life) is refreshed by a read at most this often: it then ends up
        # to this much earlier than `inactive_seconds` after the last read.
        self.touch_refresh_seconds = min(60, self.inactive_seconds // 10)
        self.fill_ttl_ms = int(fill_ttl_seconds * 1000)
        # How long a noted post is remembered: far longer than a Cassandra write may take before it fails (and its
        # event, handled again, notes the post again).
        self.recent_ms = int(recent_seconds * 1000)
        # A post stays in flight until it is pushed to every follower, or this long at most (a fanout that lags more
        # than that shows its posts as it pushes them).
        self._in_flight_key = f"{prefix}:in_flight"
        self.in_flight_ms = int(in_flight_seconds * 1000)
        self._chunks_in_flight = Script(_CHUNKS_IN_FLIGHT)
        self._end_in_flight = Script(_END_IN_FLIGHT)
        self._read = Script(_READ)
        self._add = Script(_ADD)
        self._push = Script(_PUSH)
        self._remove = Script(_REMOVE)
        self._active = Script(_ACTIVE)
        self._begin_fill = Script(_BEGIN_FILL)
        self._commit_fill = Script(_COMMIT_FILL)
        self._touch = Script(_TOUCH)
        self._set_source = Script(_SET_SOURCE)
        self._drop_sources = Script(_DROP_SOURCES)
        self._mark_pull_only = Script(_MARK_PULL_ONLY)

    def _stream_keys(self, kind: str, owner: int) -> list[str]:
        tag = f"{self.prefix}:{{{kind}:{owner}}}"
        return [f"{tag}:lo", f"{tag}:z", f"{tag}:fill", f"{tag}:buf"]

    def _active_key(self, reader: int) -> str:
        return f"{self.prefix}:{{u:{reader}}}:active"

    def _reader_keys(self, reader: int) -> list[str]:
        tag = f"{self.prefix}:{{u:{reader}}}"
        return [self._active_key(reader), f"{tag}:gen", f"{tag}:src", f"{tag}:srcv"]

    async def _pipelined(self, script: Script, calls: Sequence[tuple[list[str], list[Any]]]) -> list[Any]:
        """Runs one script many times, in one round trip or `scripts_at_once` calls at a time."""
        step = self.scripts_at_once
        if not step or len(calls) <= step:
            return await self.mux.run_script_many(script, calls)
        replies: list[Any] = []
        for start in range(0, len(calls), step):
            replies += await self.mux.run_script_many(script, calls[start : start + step])
        return replies

    async def _run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        return await self.mux.run_script(script, keys, args)

    # --- cached streams ---------------------------------------------------------------------------------------

    @staticmethod
    def _slice(raw: Any) -> CachedSlice | None:
        if not raw:
            return None
        ids = list(map(from_member, raw[1]))
        if len(raw) < 3:
            return CachedSlice(ids=ids, low=from_member(raw[0]))
        flags = raw[2]  # the sentinel's, then one per id checked
        deleted = frozenset(i for i, flag in zip(ids, flags[1:], strict=False) if flag)  # the first ids only
        return CachedSlice(ids=ids, low=from_member(raw[0]), deleted=deleted, checked=len(flags) - 1)

    @staticmethod
    def _max(before: int | None) -> str:
        return "+" if before is None else "(" + to_member(before)

    async def read(self, kind: str, owner: int, before: int | None, count: int) -> CachedSlice | None:
        keys = self._stream_keys(kind, owner)[:2]
        return self._slice(await self._run(self._read, keys, [self._max(before), count, self.caps[kind]]))

    async def read_many(
        self, kind: str, owners: Sequence[int], befores: Sequence[int | None], count: int
    ) -> list[CachedSlice | None]:
        calls = [
            (self._stream_keys(kind, owner)[:2], [self._max(before), count, self.caps[kind]])
            for owner, before in zip(owners, befores, strict=True)
        ]
        return [self._slice(r) for r in await self._pipelined(self._read, calls)]

    async def add(self, kind: str, entries: Mapping[int, Sequence[int]]) -> None:
        if not entries:
            return
        cap = self.caps[kind]
        calls = [
            (self._stream_keys(kind, owner), [cap, self.fill_ttl_ms, *(to_member(i) for i in ids)])
            for owner, ids in entries.items()
            if ids
        ]
        await self._pipelined(self._add, calls)

    async def push_home(self, groups: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[list[bool]]:
        if not groups:
            return []
        head: list[Any] = [self.caps[StreamKind.HOME], self.fill_ttl_ms, self.prefix]
        calls: list[tuple[list[str], list[Any]]] = []
        for post_ids, readers in groups:
            ids = sorted(set(post_ids))
            calls.append(([], [*head, len(ids), *(to_member(i) for i in ids), *readers]))
        replies = await self._pipelined(self._push, calls)
        return [[c == 49 for c in _bytes(r)] for r in replies]  # 49: ord("1")

    async def remove(self, kind: str, owner: int, ids: Sequence[int]) -> None:
        if not ids:
            return
        lo, z, _, buf = self._stream_keys(kind, owner)
        await self._run(self._remove, [lo, z, buf], [self.caps[kind], *(to_member(i) for i in ids)])

    async def begin_fill(self, kind: str, owner: int) -> str | None:
        lo, _, fill, _ = self._stream_keys(kind, owner)
        token = uuid.uuid4().hex
        if kind == StreamKind.HOME:  # logged before the build can read Cassandra: see readers_filled_since
            now_ms = int(time.time() * 1000)
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.zadd(self._fills_key, {str(owner): now_ms})
                pipe.zremrangebyscore(self._fills_key, "-inf", now_ms - self.fills_log_ms)
                await pipe.execute()
        got = await self._run(self._begin_fill, [lo, fill], [token, self.fill_ttl_ms])
        return _text(got) if got else None

    async def readers_filled_since(self, since_ms: int) -> frozenset[int] | None:
        if since_ms < time.time() * 1000 - self.fills_log_ms + _FILLS_LOG_MARGIN_MS:
            return None  # the log may have forgotten some
        readers = await self.client.zrangebyscore(self._fills_key, since_ms, "+inf")
        return frozenset(int(_text(r)) for r in readers)

    async def commit_fill(self, kind: str, owner: int, token: str, ids: Sequence[int], complete: bool) -> bool:
        low = ZERO if complete or not ids else to_member(min(ids))
        args: list[Any] = [token, self.caps[kind], low, self.ttls_ms[kind], *(to_member(i) for i in ids)]
        return bool(await self._run(self._commit_fill, self._stream_keys(kind, owner), args))

    # --- readers ----------------------------------------------------------------------------------------------

    def _touch_call(self, reader: int) -> tuple[tuple[Script, list[str], list[Any]], _HeldSources | None]:
        """The touch script's call, and the sources it tells Redis this process holds."""
        active, gen, src, srcv = self._reader_keys(reader)
        keys = [
            active,
            gen,
            src,
            self._pull_only_key,
            relationship_version_key(reader),
            *self._stream_keys(StreamKind.HOME, reader)[:2],
            srcv,
            self._pull_only_version_key,
        ]
        held = self._sources.get(reader)
        return (
            self._touch,
            keys,
            [int(time.time()), self.inactive_seconds, held[0] if held else "", self.touch_refresh_seconds],
        ), held

    async def touch(self, reader: int) -> Touch:
        call, held = self._touch_call(reader)
        touched, in_flight = await self.mux.run_scripts([call], then=[self._in_flight_read()])
        return self._touched(reader, touched, held, in_flight)

    async def touch_and_read_home(
        self, reader: int, before: int | None, count: int, checked: int
    ) -> tuple[Touch, CachedSlice | None]:
        read = (
            self._read,
            [*self._stream_keys(StreamKind.HOME, reader)[:2], self.tombstones_key],
            [self._max(before), count, self.caps["h"], post_tombstones.SENTINEL, checked],
        )
        touch, held = self._touch_call(reader)
        touched, cached, in_flight = await self.mux.run_scripts([touch, read], then=[self._in_flight_read()])
        return self._touched(reader, touched, held, in_flight), self._slice(cached)

    def _left_key(self, post_id: int) -> str:
        return f"{self.prefix}:{{p:{post_id}}}:left"

    def _in_flight_read(self) -> list[Any]:
        """The newest IN_FLIGHT_READ_MAX posts in flight: a handful at the benchmark's judged load, and a fanout far
        behind (workers down) must not make every read parse its backlog; posts left out show as they are pushed."""
        since_ms = int(time.time() * 1000) - self.in_flight_ms
        return ["ZREVRANGEBYSCORE", self._in_flight_key, "+inf", since_ms, "LIMIT", 0, IN_FLIGHT_READ_MAX]

    def _touched(self, reader: int, raw: Any, held: _HeldSources | None, in_flight: Sequence[bytes]) -> Touch:
        stale, generation, flat, pull_only_flat, relationship, version = raw
        if flat is None and held is not None:  # unchanged since this process read them: the same objects again
            _, sources, pull_only = held
        else:
            sources = dict(zip(map(int, flat[0::2]), map(int, flat[1::2]), strict=True))
            pull_only = frozenset(int(a) for a in pull_only_flat)
            self._sources.put(reader, (_text(version), sources, pull_only))
        return Touch(
            was_stale=bool(int(stale)),
            generation=int(generation),
            sources=sources,
            relationship_version=_text(relationship) if relationship else "",
            pull_only_sources=pull_only,
            in_flight=tuple(_in_flight(member) for member in in_flight),
        )

    async def active_readers(self, user_ids: Sequence[int]) -> list[bool]:
        if not user_ids:
            return []
        # In calls of ACTIVE_CHECK_KEYS: the durable fanout asks about thousands of readers at once, and one script
        # over 5,000 keys held Redis 10-50 ms under load, every other client (the hot push, reads) waiting behind it.
        keys = [self._active_key(u) for u in user_ids]
        calls: list[tuple[list[str], list[Any]]] = [
            (keys[i : i + ACTIVE_CHECK_KEYS], []) for i in range(0, len(keys), ACTIVE_CHECK_KEYS)
        ]
        replies = await self._pipelined(self._active, calls)
        return [c == 49 for flags in replies for c in _bytes(flags)]

    async def generation(self, reader: int) -> int:
        raw = await self.client.get(self._reader_keys(reader)[1])
        return int(raw) if raw else 0

    async def set_source(self, reader: int, author: int, floor: int, generation: int) -> bool:
        _, gen, src, srcv = self._reader_keys(reader)
        return bool(await self._run(self._set_source, [gen, src, srcv], [generation, author, floor]))

    async def drop_sources(self, reader: int, authors: Sequence[int]) -> None:
        if authors:
            await self._run(self._drop_sources, self._reader_keys(reader)[2:], list(authors))

    async def mark_pull_only(self, author: int) -> None:
        await self._run(self._mark_pull_only, [self._pull_only_key, self._pull_only_version_key], [author])

    # --- posts whose author's-timeline write may be in flight -------------------------------------------------

    def _recent_key(self, author: int) -> str:
        return f"{self.prefix}:{{{StreamKind.AUTHOR}:{author}}}:recent"

    async def note_published(self, author: int, post_ids: Sequence[int]) -> str:
        key = self._recent_key(author)
        now_ms = int(time.time() * 1000)
        notes: list[Any] = []
        in_flight: list[Any] = []
        writes: list[list[Any]] = []
        for post_id in post_ids:
            notes += [now_ms, to_member(post_id)]
            in_flight += [now_ms, f"{author}:{post_id}"]
            left = self._left_key(post_id)
            writes += [["SADD", left, "+"], ["PEXPIRE", left, self.in_flight_ms]]
        if post_ids:
            writes += [
                ["ZADD", key, *notes],
                ["PEXPIRE", key, self.recent_ms],
                ["ZADD", self._in_flight_key, "NX", *in_flight],
                ["ZREMRANGEBYSCORE", self._in_flight_key, "-inf", now_ms - self.in_flight_ms],
            ]
        # The version after the notes, on the same connection (answered in order): a change the version does not
        # show yet is backfilled later, from notes that are already there.
        *_, version = await self.mux.execute_many(
            [
                *writes,
                ["ZREMRANGEBYSCORE", key, "-inf", now_ms - self.recent_ms],
                ["GET", relationship_version_key(author)],
            ]
        )
        return _text(version) if version else ""

    async def chunks_in_flight(self, author: int, post_ids: Sequence[int], chunks: Sequence[int], more: bool) -> None:
        if post_ids:
            args = [self.prefix, self.in_flight_ms, author, "1" if more else "0", len(post_ids), *post_ids, *chunks]
            await self._run(self._chunks_in_flight, [self._in_flight_key], args)

    async def end_in_flight(self, pushed: Sequence[tuple[int, int, int]]) -> None:
        if pushed:
            args = [self.prefix, *(value for triple in pushed for value in triple)]
            await self._run(self._end_in_flight, [self._in_flight_key], args)

    async def recently_published(self, author: int) -> list[int]:
        since_ms = int(time.time() * 1000) - self.recent_ms
        members = await self.mux.execute("ZRANGEBYSCORE", self._recent_key(author), since_ms, "+inf")
        return sorted(map(from_member, members), reverse=True)

    # --- post tombstones (the post service's set) -------------------------------------------------------------

    async def deleted_among(self, post_ids: Sequence[int]) -> set[int] | None:
        return await post_tombstones.deleted_among(self.mux, post_ids, self.tombstones_key)

    async def mark_deleted(self, post_ids: Sequence[int]) -> None:
        await post_tombstones.add_if_present(self.client, post_ids, self.tombstones_key)

    # --- small keyed values -----------------------------------------------------------------------------------

    async def try_lock(self, name: str, seconds: float) -> bool:
        return bool(await self.client.set(f"{self.prefix}:lock:{name}", "1", nx=True, px=int(seconds * 1000)))

    async def unlock(self, name: str) -> None:
        await self.client.delete(f"{self.prefix}:lock:{name}")

    async def put_ids(self, key: str, ids: Sequence[int], tag: str, seconds: float) -> None:
        value = tag + "|" + ",".join(map(str, ids))
        await self.client.set(f"{self.prefix}:ids:{key}", value, px=max(int(seconds * 1000), 1))

    async def get_ids(self, key: str) -> tuple[list[int], str] | None:
        raw = await self.client.get(f"{self.prefix}:ids:{key}")
        if raw is None:
            return None
        tag, _, joined = _text(raw).partition("|")
        return ([int(x) for x in joined.split(",") if x], tag)


def _in_flight(member: bytes) -> InFlight:
    author, _, post = member.partition(b":")
    return InFlight(int(author), int(post))
