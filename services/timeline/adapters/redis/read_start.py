"""Redis: what every feed read starts with, in one round trip: the touch script (the read recorded, the reader's
state; RedisReaders), on a first page the reader's home window with which of its first posts are deleted
(RedisTimelineCaches), the posts in flight (RedisPostsInFlight), and the reader's engagement version
(services.common.engagement_version)."""

from __future__ import annotations

import time
from typing import Any

from services.common import post_tombstones
from services.common.engagement_version import engagement_version_key
from services.common.redis_mux import RedisMux
from services.timeline.adapters.redis.posts_in_flight import RedisPostsInFlight
from services.timeline.adapters.redis.readers import RedisReaders
from services.timeline.adapters.redis.timeline_caches import RedisTimelineCaches
from services.timeline.app.ports import CachedSlice, ReaderState


class RedisReadStart:
    """Implements app.ports.ReadStart."""

    def __init__(
        self,
        mux: RedisMux,
        *,
        readers: RedisReaders,
        timelines: RedisTimelineCaches,
        in_flight: RedisPostsInFlight,
        tombstones_key: str = post_tombstones.KEY,
    ):
        self.mux = mux
        self.readers = readers
        self.timelines = timelines
        self.in_flight = in_flight
        self.tombstones_key = tombstones_key  # the post service's set (services.common.post_tombstones)

    async def touch(self, reader: int) -> ReaderState:
        touch, held = self.readers.touch_run(reader)
        state, in_flight, engagement = await self.mux.run_scripts([touch], then=self._then(reader))
        return self.readers.state_from(reader, state, held, self.in_flight.parse(in_flight), engagement)

    async def touch_and_read_home(
        self, reader: int, before: int | None, count: int, checked: int
    ) -> tuple[ReaderState, CachedSlice | None]:
        read = self.timelines.home_read_run(reader, before, count, self.tombstones_key, checked)
        touch, held = self.readers.touch_run(reader)
        state, window, in_flight, engagement = await self.mux.run_scripts([touch, read], then=self._then(reader))
        reader_state = self.readers.state_from(reader, state, held, self.in_flight.parse(in_flight), engagement)
        return reader_state, self.timelines.cached_slice(window)

    def _then(self, reader: int) -> list[list[Any]]:
        return [self.in_flight.read_command(_now_ms()), ["GET", engagement_version_key(reader)]]


def _now_ms() -> int:
    return int(time.time() * 1000)
