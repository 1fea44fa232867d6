"""Bursts of events and the notifications they make: how many per second, and each one's delay from its event to
being visible to its recipient.

- The mention burst: the celebrity publishes `posts` posts at once (CreatePost straight to the post service, 16 in
  flight), each mentioning 20 different fans: 20 MENTION notifications per post.
- The like storm: `likers` users like one new post of the celebrity once each, through the gateway
  (bench.measure_likes, 32 in flight): one LIKE notification per like, all to the celebrity.

Visible means in the recipient's unread set in Redis (what GetUnreadCount counts; the service adds a notification
there after its row is written, so it is also listed). `UnreadWatch` polls the sets of the recipients it watches
in one pipeline; a member it has not seen before is a notification become visible, and its delay is that moment
minus the event's time, which is in the notification's id (the event's commit time in the layout of
services.common.ids). Watched: every recipient of the storm's notifications (the celebrity, whose earlier ones are
marked read first), and `samples` random fans of every post of the mention burst. Cross-check through the read
path: for one post in `listed_every`, one more fan polls ListNotifications (straight to the service) until the post
is listed. Server side: the service's own histogram of the same delay (bucket bounds), its written and dropped
counters and its consumer lag, scraped around and during the burst.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import redis.asyncio as aioredis
from feedmesh.notification.v1 import notification_service_pb2 as pb
from feedmesh.notification.v1 import notification_service_pb2_grpc as pb_grpc
from feedmesh.post.v1 import post_service_pb2_grpc

from bench import process_cpu
from bench.env import Bench, as_user, scrape, service_addresses
from bench.measure_fanout import create_post
from bench.measure_likes import GatewayLikes
from bench.notification_setup import mark_all_read, mention_text, mentioned_fans
from bench.seed import bounded
from bench.stats import histogram_delta, summarize
from services.common import redis_keys
from services.common.ids import id_time_ms, min_id_at
from services.common.polling import WaitTimeout, wait_for
from services.notification.adapters.redis_unread import padded

DELAY_BUCKETS = "feedmesh_notification_event_to_visible_seconds_bucket"
WRITTEN = "feedmesh_notification_written_total"
DROPPED = "feedmesh_notification_dropped_total"
LAG = "feedmesh_notification_consumer_lag"
BATCH_BUCKETS = "feedmesh_notification_consumer_batch_seconds_bucket"
STAGE_BUCKETS = "feedmesh_notification_ingest_stage_seconds_bucket"
STAGE_SUM = "feedmesh_notification_ingest_stage_seconds_sum"
# Both layouts of the service's stages: visible after the rows (write, unread) or from Redis first (visible; the rows
# written in the rest after the previous batch's: ordered, write).
STAGES = (
    "queued",
    "lookups",
    "removals",
    "read",
    "write",
    "unread",
    "visible",
    "sources",
    "subjects",
    "ordered",
    "confirm",
    "publish",
)
OUTBOX_LAG_BUCKETS = "feedmesh_outbox_lag_seconds_bucket"
RECENT_MS = 5000


def arrivals(members: Iterable[bytes | str], seen: set[str], seen_at: float) -> list[float]:
    """The delays (s) of the members not in `seen` (which they join): `seen_at` (Unix s) minus the event time in each
    notification id (a member is the id zero-padded)."""
    delays = []
    for raw in members:
        member = raw.decode() if isinstance(raw, bytes) else raw
        if member not in seen:
            seen.add(member)
            delays.append(seen_at - id_time_ms(int(member)) / 1000)
    return delays


@dataclass
class UnreadWatch:
    """Watches recipients' unread sets for the notifications of events from `since_ms` on."""

    redis: aioredis.Redis
    since_ms: int
    interval: float = 0.025
    expected: dict[int, int] = field(default_factory=dict)
    seen: dict[int, set[str]] = field(default_factory=dict)
    delays: list[float] = field(default_factory=list)
    last_seen_at: float = math.nan

    def expect(self, recipient: int, count: int) -> None:
        self.expected[recipient] = count
        self.seen.setdefault(recipient, set())

    def waiting(self) -> list[int]:
        return [r for r, n in self.expected.items() if len(self.seen[r]) < n]

    def missing(self) -> int:
        return sum(max(0, n - len(self.seen[r])) for r, n in self.expected.items())

    def _low(self, recipient: int) -> str:
        """Where to read a recipient's new members from: a little below the newest seen (they become visible about
        in id order), from `since_ms` before the first."""
        newest = max(self.seen[recipient], default=None)
        from_ms = self.since_ms if newest is None else max(self.since_ms, id_time_ms(int(newest)) - RECENT_MS)
        return "[" + padded(min_id_at(from_ms))

    async def _read(self, ranges: Sequence[tuple[int, str]], seen_at: float) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for r, low in ranges:
                pipe.zrangebylex(redis_keys.notification_unread(r), low, "+")
            found = await pipe.execute()
        for (r, _low), members in zip(ranges, found, strict=True):
            new = arrivals(members, self.seen[r], seen_at)
            if new:
                self.delays += new
                self.last_seen_at = seen_at

    async def poll(self, recipients: Sequence[int]) -> None:
        """Counts the recipients' members since `since_ms` (cheap), and reads the members of those with new ones: from
        just below the newest seen, then from `since_ms` for any still short of the count. A big set (the storm's
        thousands) is thus not read whole on every poll."""
        since = "[" + padded(min_id_at(self.since_ms))
        async with self.redis.pipeline(transaction=False) as pipe:
            for r in recipients:
                pipe.zlexcount(redis_keys.notification_unread(r), since, "+")
            counts = dict(zip(recipients, await pipe.execute(), strict=True))
        seen_at = time.time()  # every member counted was visible by now
        grown = [r for r in recipients if counts[r] > len(self.seen[r])]
        await self._read([(r, self._low(r)) for r in grown], seen_at)
        await self._read([(r, since) for r in grown if counts[r] > len(self.seen[r])], seen_at)

    async def run(self, within: float) -> None:
        """Polls until every expected notification was seen, or `within` seconds passed."""
        deadline = time.monotonic() + within
        while (waiting := self.waiting()) and time.monotonic() < deadline:
            await self.poll(waiting)
            await asyncio.sleep(self.interval)


class ServiceGauges:
    """The notification service's consumer lag, sampled every `interval` s while a burst runs."""

    def __init__(self, metrics_url: str, interval: float = 0.5):
        self.metrics_url = metrics_url
        self.interval = interval
        self.lag_max = 0.0

    async def run(self) -> None:
        while True:
            sample = await asyncio.to_thread(scrape, self.metrics_url)
            lag = sum(v for k, v in sample.items() if k.startswith(LAG + "{"))
            self.lag_max = max(self.lag_max, lag)
            await asyncio.sleep(self.interval)


def labelled_delta(before: dict[str, float], after: dict[str, float], name: str) -> dict[str, float]:
    """Non-zero increases of a labelled counter between two scrapes, by its one label's value."""
    out = {}
    for key, value in after.items():
        if key.startswith(name + "{") and (grown := value - before.get(key, 0.0)):
            out[key[key.index('"') + 1 : key.rindex('"')]] = grown
    return out


@dataclass(frozen=True)
class BurstClients:
    """What a burst calls: the notification service (reads, marks), the post service, the gateway's likes."""

    bench: Bench
    notifications: pb_grpc.NotificationServiceStub
    posts: post_service_pb2_grpc.PostServiceStub
    likes: GatewayLikes
    metrics_url: str
    post_events: Producer
    like_events: Producer

    @classmethod
    def open(cls, bench: Bench, likes: GatewayLikes) -> BurstClients:
        addr = service_addresses("notification")
        return cls(
            bench,
            pb_grpc.NotificationServiceStub(bench.channel(addr.target)),
            post_service_pb2_grpc.PostServiceStub(bench.channel(bench.addr.post)),
            likes,
            addr.metrics_url,
            Producer(bench.addr.post_metrics, "post"),
            Producer(service_addresses("engagement").metrics_url, "engagement"),
        )


@dataclass(frozen=True)
class WatchSettings:
    poll: float = 0.025
    within: float = 120.0  # give up on a notification not visible after this long (it counts as missing)


@dataclass(frozen=True)
class Producer:
    """The service whose outbox relay publishes a burst's events: its metrics and its outbox's producer label."""

    metrics_url: str
    name: str


class Measured:
    """Around one burst: the notification service's counters and histograms, its lag during it, the producer's
    commit-to-Kafka histogram, the CPU of the stack."""

    def __init__(self, clients: BurstClients, producer: Producer):
        self.urls = (clients.metrics_url, producer.metrics_url)
        self.producer = producer
        self.gauges = ServiceGauges(clients.metrics_url)

    async def _scrape(self) -> dict[str, float]:
        service, producer = await asyncio.gather(*(asyncio.to_thread(scrape, url) for url in self.urls))
        return {**service, **producer}

    async def __aenter__(self) -> Measured:
        self.before = await self._scrape()
        self.cpu = process_cpu.snapshot()
        self.task = asyncio.create_task(self.gauges.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        await asyncio.wait([self.task])
        self.after = await self._scrape()
        self.cpu_used = process_cpu.cores_used(self.cpu, process_cpu.snapshot())

    def figures(self) -> dict[str, Any]:
        return {
            "histogram": histogram_delta(self.before, self.after, DELAY_BUCKETS),
            "commit_to_kafka": histogram_delta(
                self.before, self.after, OUTBOX_LAG_BUCKETS, f'producer="{self.producer.name}"'
            ),
            "consumer_batch": histogram_delta(self.before, self.after, BATCH_BUCKETS),
            "stages": stage_deltas(self.before, self.after),
            "written": labelled_delta(self.before, self.after, WRITTEN),
            "dropped": labelled_delta(self.before, self.after, DROPPED),
            "consumer_lag_max": self.gauges.lag_max,
            "cpu_percent_of_a_core": self.cpu_used,
        }


def stage_deltas(before: dict[str, float], after: dict[str, float]) -> dict[str, dict[str, float]]:
    """Each stage the service timed between the scrapes (its ingest stage histogram, absent before the service had
    one): count, p50 and p99 at most, and the seconds spent in it in all."""
    out = {}
    for stage in STAGES:
        selector = f'stage="{stage}"'
        figures = histogram_delta(before, after, STAGE_BUCKETS, selector)
        if figures["count"]:
            key = f"{STAGE_SUM}{{{selector}}}"
            out[stage] = {**figures, "seconds": round(after.get(key, 0.0) - before.get(key, 0.0), 3)}
    return out


def _outcome(watch: UnreadWatch, expected: int, first_call: float, events: dict[str, Any]) -> dict[str, Any]:
    visible_after = watch.last_seen_at - first_call
    return {
        **events,
        "notifications": expected,
        "seconds_to_last_visible": round(visible_after, 3),
        "notifications_per_second": round(expected / visible_after, 1) if visible_after > 0 else math.nan,
        "delay": summarize(watch.delays).as_dict(),
        "missing_in_watched": watch.missing(),
    }


async def _listed_delay(clients: BurstClients, fan: int, post_id: int, s: WatchSettings) -> float | None:
    """Seconds from the event to ListNotifications (straight to the service) first listing the fan's mention of
    `post_id`; None when not within `s.within`."""
    request = pb.ListNotificationsRequest(limit=5)
    deadline = time.monotonic() + s.within
    while time.monotonic() < deadline:
        try:
            reply = await clients.notifications.ListNotifications(request, metadata=as_user(fan), timeout=10)
        except grpc.aio.AioRpcError:
            reply = pb.ListNotificationsResponse()
        for n in reply.notifications:
            if n.post_id == post_id:
                return time.time() - id_time_ms(n.id) / 1000
        await asyncio.sleep(2 * s.poll)
    return None


async def _unread_sets_holding_one(bench: Bench, recipients: Sequence[int], since_ms: int) -> tuple[int, int]:
    """How many recipients have no notification since `since_ms` in their unread set, and how many have more than
    one."""
    low = "[" + padded(min_id_at(since_ms))
    async with bench.redis.pipeline(transaction=False) as pipe:
        for r in recipients:
            pipe.zlexcount(redis_keys.notification_unread(r), low, "+")
        counts = await pipe.execute()
    return sum(1 for c in counts if c == 0), sum(1 for c in counts if c > 1)


async def mention_burst(
    clients: BurstClients,
    author: int,
    fan_ids: Sequence[int],
    posts: int,
    *,
    samples: int = 3,
    listed_every: int = 20,
    s: WatchSettings = WatchSettings(),
    seed: int = 11,
) -> dict[str, Any]:
    plan = mentioned_fans(posts)
    rng = random.Random(seed)
    since_ms = int(time.time() * 1000)
    watch = UnreadWatch(clients.bench.redis, since_ms, s.poll)
    picks = [rng.sample(fans, samples + 1) for fans in plan]
    for pick in picks:
        for fan in pick[:samples]:
            watch.expect(fan_ids[fan], 1)
    listed: list[asyncio.Task[float | None]] = []
    errors: dict[str, int] = {}

    async def publish(n: int) -> None:
        try:
            post_id = await create_post(clients.posts, author, mention_text(n, plan[n]))
        except grpc.aio.AioRpcError as exc:
            errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
            return
        if n % listed_every == 0:
            listed.append(asyncio.create_task(_listed_delay(clients, fan_ids[picks[n][-1]], post_id, s)))

    async with Measured(clients, clients.post_events) as measured:
        watcher = asyncio.create_task(watch.run(s.within))
        first_call = time.time()
        await bounded(16, (publish(n) for n in range(posts)))
        created = time.time() - first_call
        await watcher
        listed_delays = [d for d in await asyncio.gather(*listed) if d is not None]
    recipients = [fan_ids[fan] for fans in plan for fan in fans]
    try:  # the watched fans are a sample: the others of the last posts may still be being written
        missing, extra = await wait_for(
            lambda: _unread_sets_holding_one(clients.bench, recipients, since_ms),
            lambda counted: counted[0] == 0,
            what="every mentioned fan's notification",
            within=s.within,
            interval=0.5,
        )
    except WaitTimeout:
        missing, extra = await _unread_sets_holding_one(clients.bench, recipients, since_ms)
    events = {"events": posts, "event_errors": errors, "events_seconds": round(created, 3)}
    return {
        **_outcome(watch, posts * len(plan[0]), first_call, events),
        "watched": len(watch.expected),
        "listed_delay": summarize(listed_delays).as_dict(),
        "listed_missing": len(listed) - len(listed_delays),
        "missing": missing,
        "extra": extra,
        **measured.figures(),
    }


async def like_storm(
    clients: BurstClients, author: int, likers: int, *, s: WatchSettings = WatchSettings()
) -> dict[str, Any]:
    post_id = await create_post(clients.posts, author, "bench viral post")
    await mark_all_read(clients.notifications, author)
    watch = UnreadWatch(clients.bench.redis, int(time.time() * 1000), s.poll)
    watch.expect(author, likers)
    async with Measured(clients, clients.like_events) as measured:
        watcher = asyncio.create_task(watch.run(s.within))
        first_call = time.time()
        storm = await clients.likes.storm(post_id, likers)
        watch.expect(author, storm.calls)  # a refused like makes no notification
        await watcher
    unread = await clients.notifications.GetUnreadCount(pb.GetUnreadCountRequest(), metadata=as_user(author))
    events = {
        "events": storm.calls,
        "event_errors": storm.error_codes,
        "events_seconds": round(storm.seconds, 3),
        "like_latency": storm.latency.as_dict(),
    }
    return {
        **_outcome(watch, storm.calls, first_call, events),
        "post_id": post_id,
        "unread_count_after": unread.unread_count,
        **measured.figures(),
    }
