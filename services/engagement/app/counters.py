"""Keeps the counters exact: the flush (pending changes into the durable counters), the reconciliation sweep
(cached counts against PostgreSQL) and the rebuilds (posts read but not cached).

Why the counters converge to the recount of the rows:
- PostgreSQL: every change appends its +1/-1 in its own transaction, and the flush consumes a batch of those and
  adds it to the durable counters in one statement, so each change is added exactly once whatever fails.
- Redis: a post's cached sets hold member ids (membership is state, so applying a change twice is harmless, and
  one row's changes are applied in commit order: a comment's under its row's lock, a like's by the order number its
  statement drew, which the cache keeps per member for minutes). A rebuild publishes a PostgreSQL snapshot only if
  no change was applied since it read the post's token, so it never hides a change. What can still go wrong is a
  change that committed and was never applied (the process died between the two, or Redis failed), or a like's
  change applied after a later one of its row while Redis lost the orders (a restart in between):
  the sweep compares every recently flushed post's cached counts, and those of every post this process applied a
  change to since its last run (a commit the database lost after acknowledging it leaves no change to flush), with
  PostgreSQL's exact counts, and drops those that stay different while nothing changes (dropping is always safe: a
  post not cached is read from PostgreSQL and rebuilt). Its first run looks back as far as cached counts live, to
  cover a predecessor that was killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge

from services.common.errors import Unavailable
from services.engagement.app.counting import Counting
from services.engagement.app.ports import CacheUnavailable, CounterCache, CounterLedger, Database
from services.engagement.domain.model import CounterKind, Counts

log = logging.getLogger(__name__)

COUNTER_DRIFT = Gauge(
    "feedmesh_engagement_counter_drift",
    "Sum of |cached count - recount from the rows| over the posts sampled by the last reconciliation sweep",
    ["kind"],
)
FLUSH_LAG = Gauge(
    "feedmesh_engagement_flush_lag_seconds",
    "Age of the oldest counter change the last flush pass added to the durable counters (0: nothing was pending); "
    "while flushes fail, the time since the last successful one",
)
CACHE_REPAIRS = Counter(
    "feedmesh_engagement_cache_repairs_total", "Posts whose cached counts were dropped to be rebuilt", ["reason"]
)
CACHE_REBUILDS = Counter("feedmesh_engagement_cache_rebuilds_total", "Posts rebuilt into the cache", ["result"])

_REBUILD_QUEUE_MAX = 10_000
_REBUILD_BATCH = 100
_SWEEP_LIMIT = 10_000


@dataclass
class CounterMaintenance:
    db: Database
    ledger: CounterLedger
    cache: CounterCache
    counting: Counting
    flush_seconds: float
    flush_batch: int
    sweep_seconds: float
    sweep_window_seconds: float
    first_sweep_window_seconds: float
    drift_sample: int
    _suspects: dict[int, tuple[str, Counts | None]] = field(default_factory=dict)
    _to_rebuild: dict[int, None] = field(default_factory=dict)
    _rebuild_wanted: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _last_flush_ok: float = field(default_factory=time.monotonic)
    _swept_once: bool = False

    def start(self) -> None:
        for name, loop in (("flush", self._flush_loop), ("sweep", self._sweep_loop), ("rebuild", self._rebuild_loop)):
            self._tasks.append(asyncio.create_task(loop(), name=f"engagement-{name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def want_cached(self, post_ids: Sequence[int]) -> None:
        """Queues posts to be rebuilt into the cache (a full queue drops them: the next read asks again)."""
        for post_id in post_ids:
            if len(self._to_rebuild) >= _REBUILD_QUEUE_MAX:
                break
            self._to_rebuild[post_id] = None
        self._rebuild_wanted.set()

    # --- the flush -------------------------------------------------------------------------------------------------
    async def flush_once(self) -> tuple[int, float]:
        """One flush statement: how many posts' durable counters it changed, and the age in seconds of the oldest
        change it took (0 when none was pending)."""
        async with self.db.reads() as conn:
            flushed = await self.ledger.flush(conn, self.flush_batch)
        self._last_flush_ok = time.monotonic()
        oldest = flushed.oldest_change
        lag = max(0.0, (dt.datetime.now(dt.UTC) - oldest).total_seconds()) if oldest else 0.0
        return len(flushed.post_ids), lag

    async def flush_all(self) -> None:
        """Flushes until nothing is pending. The lag published is the pass's oldest change: the pass's last, empty
        statement would otherwise always report 0."""
        worst = 0.0
        while True:
            changed, lag = await self.flush_once()
            worst = max(worst, lag)
            if not changed:
                break
        FLUSH_LAG.set(worst)

    async def _flush_loop(self) -> None:
        while True:
            try:
                await self.flush_all()
            except (Unavailable, OSError) as exc:
                FLUSH_LAG.set(time.monotonic() - self._last_flush_ok)
                log.warning("counter flush failed; retrying", extra={"error": str(exc)})
            except Exception:
                log.exception("counter flush failed; retrying")
            await asyncio.sleep(self.flush_seconds)

    # --- the reconciliation sweep ----------------------------------------------------------------------------------
    async def sweep_once(self) -> None:
        """Checks the posts whose counters changed lately, and any the cache missed a change of."""
        window = self.sweep_window_seconds if self._swept_once else self.first_sweep_window_seconds
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=window)
        if self.counting.unsynced:
            unsynced = list(self.counting.unsynced)
            await self.cache.forget(unsynced)  # raises while the cache is still down: they stay unsynced
            self.counting.unsynced.difference_update(unsynced)
            CACHE_REPAIRS.labels("missed_change").inc(len(unsynced))
        applied = list(self.counting.applied_posts)
        self.counting.applied_posts.difference_update(applied)
        first = list(dict.fromkeys([*self._suspects, *applied]))
        checked = await self.check(first)
        seen = set(first)
        while True:  # a page at a time, oldest change first: the first sweep after a crash may find many
            async with self.db.reads() as conn:
                recent = await self.ledger.recently_counted(conn, since, _SWEEP_LIMIT)
            checked += await self.check([post_id for post_id, _ in recent if post_id not in seen])
            if len(recent) < _SWEEP_LIMIT or recent[-1][1] == since:  # one flush stamps its posts alike: no loop
                break
            since = recent[-1][1]
        await self._sample_drift(checked)
        self._swept_once = True

    async def check(self, post_ids: Sequence[int]) -> list[int]:
        """Compares cached counts with PostgreSQL's exact ones. A post that differs is a suspect; one that differs
        the same way at the next check with no change in between (same token) lost a change: it is dropped.
        Returns the posts that were cached, i.e. checked."""
        checked: list[int] = []
        for start in range(0, len(post_ids), 1000):
            chunk = post_ids[start : start + 1000]
            before = await self.cache.counts(chunk)
            cached = [p for p in chunk if before[p].counts is not None]
            if not cached:
                continue
            checked += cached
            exact = await self.counting.exact(cached)
            # Only the posts that differ are read again (most are right, even under load)
            differing = [p for p in cached if before[p].counts != exact[p]]
            after = await self.cache.counts(differing) if differing else {}
            confirmed: list[int] = []
            for post_id in cached:
                token, counts = before[post_id].generation, before[post_id].counts
                if counts == exact[post_id] or after[post_id].generation != token:
                    self._suspects.pop(post_id, None)  # right, or changing meanwhile
                    continue
                if self._suspects.get(post_id) == (token, counts):
                    confirmed.append(post_id)
                    self._suspects.pop(post_id)
                else:
                    self._suspects[post_id] = (token, counts)
            if confirmed:
                log.warning("cached counts lost a change; dropping them", extra={"post_ids": confirmed[:20]})
                await self.cache.forget(confirmed)
                CACHE_REPAIRS.labels("drift").inc(len(confirmed))
        return checked

    async def _sample_drift(self, post_ids: Sequence[int]) -> None:
        """Recounts a sample of the checked posts from their rows and publishes |cached - recount| summed over it
        (posts that changed while being sampled are left out; no sample: 0)."""
        sample = random.sample(list(post_ids), min(self.drift_sample, len(post_ids)))
        before = await self.cache.counts(sample)
        async with self.db.reads() as conn:
            recounted = await self.ledger.recount(conn, sample) if sample else {}
        after = await self.cache.counts(sample)
        pairs = [
            (cached, recounted[p])
            for p in sample
            if (cached := before[p].counts) is not None and before[p].generation == after[p].generation
        ]
        for kind in CounterKind:
            COUNTER_DRIFT.labels(kind.value).set(sum(abs(c.of(kind) - r.of(kind)) for c, r in pairs))

    async def _sweep_loop(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except (Unavailable, CacheUnavailable, OSError) as exc:
                log.warning("counter sweep failed; retrying", extra={"error": str(exc)})
            except Exception:
                log.exception("counter sweep failed; retrying")
            await asyncio.sleep(self.sweep_seconds)

    # --- rebuilds --------------------------------------------------------------------------------------------------
    async def rebuild(self, post_ids: Sequence[int]) -> int:
        """Caches these posts from a PostgreSQL snapshot; how many were published (a post that changed meanwhile
        is not, and is cached by a later read)."""
        tokens = await self.cache.counts(post_ids)
        uncached = [p for p in post_ids if tokens[p].counts is None]
        if not uncached:
            return 0
        async with self.db.snapshot() as conn:
            members = await self.ledger.members(conn, uncached)
        published = 0
        for post_id in uncached:
            if await self.cache.publish(post_id, members[post_id], tokens[post_id].generation):
                published += 1
        CACHE_REBUILDS.labels("published").inc(published)
        CACHE_REBUILDS.labels("changed_meanwhile").inc(len(uncached) - published)
        return published

    async def _rebuild_loop(self) -> None:
        while True:
            await self._rebuild_wanted.wait()
            self._rebuild_wanted.clear()
            while self._to_rebuild:
                batch = list(self._to_rebuild)[:_REBUILD_BATCH]
                for post_id in batch:
                    self._to_rebuild.pop(post_id, None)
                try:
                    await self.rebuild(batch)
                except (Unavailable, CacheUnavailable, OSError) as exc:
                    log.warning("counter cache rebuild failed", extra={"error": str(exc)})
                except Exception:
                    log.exception("counter cache rebuild failed")
