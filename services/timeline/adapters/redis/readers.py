"""Redis: each reader's state (services.common.redis_keys.reader): its activity (set by a read, renewed at most
every `touch_refresh_seconds`, expires after the inactivity period: no key, an inactive reader), the authors
materialized in its home timeline with their floors (its sources) and their generation, and the authors that are
pulled rather than pushed. A read's state comes back in the touch script (touch.lua), which RedisReadStart runs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import redis.asyncio as aioredis

from services.common import redis_keys
from services.common.local_cache import LruCache
from services.common.redis_mux import RedisMux, load_script
from services.common.relationship_version import relationship_version_key
from services.timeline.adapters.redis.script_calls import ScriptCall, ScriptRun, as_text, flags, run_batched
from services.timeline.adapters.redis.settings import TimelineRedisSettings
from services.timeline.app.ports import ReaderState
from services.timeline.domain.delivery import InFlight

# Readers per activity check: the durable fanout asks about thousands of readers at once, and one script over 5,000
# keys held Redis 10-50 ms under load, every other client (the hot push, reads) waiting behind it.
ACTIVE_CHECK_KEYS = 500


class LastReadSources(NamedTuple):
    """A reader's sources as this process last read them."""

    version: str
    """The state version touch.lua answered them with: while Redis has the same, it does not send them again."""
    sources: dict[int, int]
    pull_only: frozenset[int]


class RedisReaders:
    """Implements app.ports.Readers, and the touch script's call and reply for RedisReadStart."""

    def __init__(
        self, client: aioredis.Redis, mux: RedisMux, settings: TimelineRedisSettings, *, scripts_at_once: int = 0
    ):
        self.client = client
        self.mux = mux
        self.prefix = settings.prefix
        self.scripts_at_once = scripts_at_once  # see run_batched
        self.inactive_seconds = max(int(settings.inactive_seconds), 1)
        # A reader's activity (and its home cache's life) is renewed by a read at most this often: it then ends up
        # to this much earlier than `inactive_seconds` after the last read.
        self.touch_refresh_seconds = min(60, self.inactive_seconds // 10)
        self._pull_only_key = redis_keys.pull_only_authors(settings.prefix)
        self._pull_only_version_key = redis_keys.pull_only_version(settings.prefix)
        self._last_read: LruCache[int, LastReadSources] = LruCache(
            settings.sources_cache_size, float("inf"), name="timeline.last_read_sources"
        )
        self._touch = load_script(__file__, "touch.lua")
        self._active_readers = load_script(__file__, "active_readers.lua")
        self._set_source = load_script(__file__, "set_source.lua")
        self._drop_sources = load_script(__file__, "drop_sources.lua")
        self._mark_pull_only = load_script(__file__, "mark_pull_only.lua")

    def keys(self, reader: int) -> redis_keys.ReaderKeys:
        return redis_keys.reader(reader, self.prefix)

    def touch_run(self, reader: int) -> tuple[ScriptRun, LastReadSources | None]:
        """touch.lua's call, and the sources it tells Redis this process holds."""
        keys = self.keys(reader)
        home = redis_keys.home_timeline(reader, self.prefix)
        held = self._last_read.get(reader)
        run = (
            self._touch,
            [
                keys.active,
                keys.generation,
                keys.sources,
                self._pull_only_key,
                relationship_version_key(reader),
                home.complete_from,
                home.ids,
                keys.sources_version,
                self._pull_only_version_key,
            ],
            [int(time.time()), self.inactive_seconds, held.version if held else "", self.touch_refresh_seconds],
        )
        return run, held

    def state_from(
        self,
        reader: int,
        raw: Any,
        held: LastReadSources | None,
        in_flight: tuple[InFlight, ...],
        engagement_version: Any = None,
    ) -> ReaderState:
        """touch.lua's reply, and the reply of a GET of the reader's engagement version read with it."""
        stale, generation, flat_sources, flat_pull_only, relationship, version = raw
        if flat_sources is None and held is not None:  # unchanged since this process read them: the same objects
            sources, pull_only = held.sources, held.pull_only
        else:
            sources = dict(zip(map(int, flat_sources[0::2]), map(int, flat_sources[1::2]), strict=True))
            pull_only = frozenset(int(a) for a in flat_pull_only)
            self._last_read.put(reader, LastReadSources(as_text(version), sources, pull_only))
        return ReaderState(
            was_stale=bool(int(stale)),
            generation=int(generation),
            sources=sources,
            relationship_version=as_text(relationship) if relationship else "",
            pull_only_sources=pull_only,
            in_flight=in_flight,
            engagement_version=as_text(engagement_version) if engagement_version is not None else "",
        )

    async def active_readers(self, user_ids: Sequence[int]) -> list[bool]:
        if not user_ids:
            return []
        keys = [redis_keys.reader_active(u, self.prefix) for u in user_ids]
        calls: list[ScriptCall] = [
            (keys[i : i + ACTIVE_CHECK_KEYS], []) for i in range(0, len(keys), ACTIVE_CHECK_KEYS)
        ]
        replies = await run_batched(self.mux, self._active_readers, calls, self.scripts_at_once)
        return [active for reply in replies for active in flags(reply)]

    async def generation(self, reader: int) -> int:
        raw = await self.client.get(self.keys(reader).generation)
        return int(raw) if raw else 0

    async def set_source(self, reader: int, author: int, floor: int, generation: int) -> bool:
        keys = self.keys(reader)
        return bool(
            await self.mux.run_script(
                self._set_source, [keys.generation, keys.sources, keys.sources_version], [generation, author, floor]
            )
        )

    async def drop_sources(self, reader: int, authors: Sequence[int]) -> None:
        if authors:
            keys = self.keys(reader)
            await self.mux.run_script(self._drop_sources, [keys.sources, keys.sources_version], list(authors))

    async def mark_pull_only(self, author: int) -> None:
        await self.mux.run_script(self._mark_pull_only, [self._pull_only_key, self._pull_only_version_key], [author])
