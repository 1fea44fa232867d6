"""`make bench`, after the engagement benchmark: the notification benchmark on the real stack (see bench/README.md).

    .venv/bin/python -m bench.notification [--quick] [--posts 100] [--likers 2000] [--mix-capacity N] ...

Phases: the fixture, the likers and their sessions (idempotent), readers warmed for the mix -> alone (info): the
mention burst, then the like storm, each once the notification consumer has caught up -> beside the feed's mix
(judged): the timeline benchmark's freshness mix published at its judged load, and after `--mix-warmup` s the
mention burst, then the like storm, then the mix stops -> table, bench/results/notification-<time>.json,
latest.json, latest.md. Restarts nothing: it measures the stack as it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench import latest
from bench.engagement import gateway_reaches_engagement
from bench.engagement_setup import likers
from bench.env import Bench, service_addresses
from bench.measure_freshness import FreshnessSettings, freshness, scaled_load
from bench.measure_likes import GatewayLikes, LoadShape
from bench.measure_notifications import BurstClients, WatchSettings, like_storm, mention_burst
from bench.notification_report import build_rows
from bench.notification_setup import MixLoad, mix_load, notification_groups
from bench.run import graph_threshold
from bench.runner import measure_and_report, new_figures, phase
from bench.seed import Dataset, seed
from bench.warm import warm

METHOD = [
    "Mention burst: `bench_author_100k` (a celebrity: pulled, no fanout) publishes <posts> posts at once, CreatePost "
    "straight to the post service, 16 in flight, each mentioning 20 different `bench_fan_<n>` (n from 50,000) by "
    "handle, 20 being what a post may mention: 20 MENTION notifications per post.",
    "Like storm: a new post of the same celebrity liked once by each of <likers> users (`bench_fan_<n>` from 90,000, "
    "the engagement benchmark's likers), LikePost over native gRPC through the gateway with each liker's JWT, 32 in "
    "flight: one LIKE notification per like, all to the celebrity, whose earlier notifications are marked read first.",
    "Visible: the notification in its recipient's unread set in Redis (what GetUnreadCount counts; the service adds it "
    "after writing its row, so it is also listed). The bench polls the sets of the watched recipients every "
    "<poll> s in one pipeline (every LIKE; <samples> random fans of each mention post); a new member's delay is the "
    "moment it is first seen minus its event's commit time, which its id holds. Notifications/s: the burst's "
    "notifications / (first event call -> last watched notification visible); each post's notifications are "
    "applied one post after the other, so the last post's watched fans are among the last to see theirs.",
    "Also: ListNotifications straight to the service, polled for one more fan of every <listed_every>th post, until "
    "the mention is listed (the read path); the service's own histogram "
    "feedmesh_notification_event_to_visible_seconds between scrapes around the burst (bucket bounds: at most); its "
    "written and dropped counters; its consumer lag sampled every 0.5 s; after each burst, every mentioned fan's "
    "unread set checked to hold exactly one new notification, and the celebrity's unread count (GetUnreadCount) "
    "to equal the likes.",
    "Alone (info): each burst once the notification consumer has committed every event (Kafka). Beside the mix "
    "(judged, p99 < 1 s): the timeline benchmark's freshness mix (bench.measure_freshness: socfb users, the 1k and "
    "the 10k author, open loop, with its own freshness probes) offering <mix_load> x the mix's capacity, from the "
    "timeline benchmark's last run (latest.json) or --mix-capacity; when the graph runs with the stack's celebrity "
    "threshold (10,000) the 10k author is a celebrity whose posts are pulled, and the 1k author publishes its share "
    "too (same deliveries/s). The bursts start <mix_warmup> s after the mix, once the timeline's and the "
    "notification consumer's backlogs are drained, Cassandra runs no compaction and Redis has rewritten its AOF.",
    "Nothing is restarted: the services run with the stack's settings (the engagement service's per-user budgets "
    "allow one like per liker and storm).",
]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.notification", description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller bursts (a smoke run, not for figures)")
    p.add_argument("--posts", type=int, default=100, help="posts of the mention burst (20 mentions each)")
    p.add_argument("--likers", type=int, default=2000, help="likes of the viral post (each liker logs in once)")
    p.add_argument("--samples", type=int, default=3, help="fans watched per mention post")
    p.add_argument("--listed-every", type=int, default=20, help="one post in this many is also read back")
    p.add_argument("--poll", type=float, default=0.025, help="seconds between two polls of the unread sets")
    p.add_argument("--within", type=float, default=600.0, help="a notification not visible by then is missing")
    p.add_argument("--mix-load", type=float, default=0.5, help="the mix's load, as a fraction of its capacity")
    p.add_argument("--mix-capacity", type=float, default=None, help="deliveries/s (default: from latest.json)")
    p.add_argument("--mix-warmup", type=float, default=5.0, help="seconds of mix before the first burst")
    args = p.parse_args(argv)
    if args.quick:
        args.posts, args.likers = min(args.posts, 20), min(args.likers, 300)
    if not 0 < args.samples < 20 or args.posts * 20 > 40_000:
        p.error("--samples must be 1-19 and --posts at most 2,000 (the fans from 50,000 to 89,999)")
    return args


def mean_socfb_followers(data: Dataset) -> float:
    authors = [a for a, followers in data.reed_followers.items() if followers]
    return sum(len(data.reed_followers[a]) for a in authors) / len(authors)


async def bursts(args: argparse.Namespace, clients: BurstClients, data: Dataset, label: str) -> dict[str, Any]:
    author, watch = data.authors["100k"], WatchSettings(poll=args.poll, within=args.within)
    t = phase(f"{label}: mention burst, {args.posts} posts x 20 fans")
    await clients.bench.drain(groups=notification_groups())
    mentions = await mention_burst(
        clients, author, data.fan_ids, args.posts, samples=args.samples, listed_every=args.listed_every, s=watch
    )
    print(f"  {summary(mentions)}", flush=True)
    phase(f"{label}: like storm, {args.likers} likers")
    await clients.bench.drain(groups=notification_groups())
    likes = await like_storm(clients, author, args.likers, s=watch)
    print(f"  {summary(likes)}", flush=True)
    return {"mentions": mentions, "likes": likes, "seconds": round(time.monotonic() - t, 1)}


def summary(burst: dict[str, Any]) -> str:
    d = burst["delay"]
    return (
        f"{burst['notifications']:,} notifications from {burst['events']:,} events in {burst['events_seconds']} s: "
        f"{burst['notifications_per_second']:,.0f}/s; delay p50 {d['p50_ms']:.0f} ms p99 {d['p99_ms']:.0f} ms "
        f"(n={d['count']}), histogram p99 <= {burst['histogram']['p99_ms_at_most']:.0f} ms; "
        f"missing {burst['missing_in_watched']}"
    )


async def beside_the_mix(
    args: argparse.Namespace, clients: BurstClients, data: Dataset, mix: MixLoad
) -> dict[str, Any]:
    bench = clients.bench
    fs = scaled_load(
        FreshnessSettings(),
        capacity=mix.capacity,
        load=args.mix_load,
        mean_socfb_followers=mix.mean_socfb_followers,
        shares=mix.shares,
    )
    phase(f"beside the feed's mix: {fs.offered_deliveries_per_second:,.0f} deliveries/s offered")
    print(f"  waited {await bench.drain():.1f}s for the timeline's backlog", flush=True)
    print(f"  waited {await bench.compactions_done():.1f}s for Cassandra's compactions", flush=True)
    print(f"  waited {await bench.aof_rewritten():.1f}s for Redis to rewrite its append-only file", flush=True)
    stop = asyncio.Event()
    mix_run = asyncio.create_task(
        freshness(
            bench,
            fs,
            reed_followers=data.reed_followers,
            author_1k=(data.authors["1k"], data.followers_of("1k")),
            author_10k=(data.authors["10k"], data.followers_of("10k")),
            until=stop,
        )
    )
    try:
        await asyncio.sleep(args.mix_warmup)  # the mix's first seconds: its open-loop publishers settle in
        measured = await bursts(args, clients, data, "beside the mix")
    finally:
        stop.set()
        feed = await mix_run
    feed["settings"] = {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in feed["settings"].items()}
    visible = feed["visible_all"]
    print(f"  the mix: feed freshness p50 {visible['p50_ms']:.0f} ms p99 {visible['p99_ms']:.0f} ms", flush=True)
    return {**measured, "feed": feed}


async def measure(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    bench = await Bench.open()
    addr = service_addresses("notification")
    client: GatewayLikes | None = None
    try:
        t = phase("seed: the fixture, the likers and their sessions; readers warmed for the mix")
        data = await seed(bench)
        liker_list = await likers(bench, args.likers)
        figures["warm"] = await warm(bench, [*data.reed_ids, *data.followers_of("10k")])
        figures["timings"]["seed"] = round(time.monotonic() - t, 1)
        threshold = await graph_threshold(bench, data.followers_of("1k")[0])
        mix = mix_load(args.mix_capacity, threshold, mean_socfb_followers(data))
        figures["mix"] = {
            "capacity_deliveries_per_second": mix.capacity,
            "capacity_from": mix.source,
            "load": args.mix_load,
            "celebrity_threshold_in_graph": threshold,
            "shares": mix.shares,
        }
        client = GatewayLikes(addr.gateway, liker_list, LoadShape(32, 4))
        await gateway_reaches_engagement(client)
        clients = BurstClients.open(bench, client)
        figures["alone"] = await bursts(args, clients, data, "alone")
        figures["beside_mix"] = await beside_the_mix(args, clients, data, mix)
        figures["gateway_writes"] = {"max_per_user": client.max_writes_per_user()}
    finally:
        if client is not None:
            await client.close()
        await bench.close()


async def main(argv: list[str]) -> int:
    args = parse(argv)
    settings = vars(args) | {"client_processes": 1}  # every option is a setting of the figures
    figures = new_figures(datetime.now(UTC), settings, METHOD)
    await measure_and_report(
        figures, measure(args, figures), None, build_rows, lambda f, stamp: latest.write_run("notification", f, stamp)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
