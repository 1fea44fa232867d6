"""The notification benchmark's data and load settings.

- The celebrity: `bench_author_100k` of the timeline benchmark's fixture (bench/seed.py). It writes the mention burst
  and the viral post; it is pulled, never pushed (no fanout), so its posts cost the notification service and not the
  timeline's push.
- Mentioned: `bench_fan_<n>` from n = MENTIONED_FIRST, MAX_MENTIONS (20, what the post service resolves) different
  fans per post, so that each post makes 20 notifications and each fan gets one per burst. They follow the 100k author
  and may see its public posts.
- Likers of the viral post: the engagement benchmark's likers and their cached sessions (bench/engagement_setup.py).
- The feed's mix beside the bursts: the timeline benchmark's freshness mix at its judged load, half the capacity its
  last run measured (bench/results/latest.json), unless `--mix-capacity` says otherwise.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedmesh.notification.v1 import notification_service_pb2, notification_service_pb2_grpc

from bench.env import as_user
from bench.measure_freshness import SHARES
from bench.report import RESULTS
from bench.seed import AUTHOR_SIZES, FAN_PREFIX
from services.common.ids import min_id_at
from services.common.mentions import MAX_MENTIONS
from services.notification.settings import NotificationSettings

MENTIONED_FIRST = 50_000


def notification_groups() -> dict[str, tuple[str, ...]]:
    """The notification service's consumer group and the topics it reads (the defaults), for `Bench.drain`."""
    n = NotificationSettings
    return {n.consumer_group: (n.graph_topic, n.posts_topic, n.engagement_topic)}


def mentioned_fans(posts: int, first: int = MENTIONED_FIRST, per_post: int = MAX_MENTIONS) -> list[list[int]]:
    """The fan numbers each post of the burst mentions: `per_post` consecutive ones, no fan twice."""
    return [list(range(first + p * per_post, first + (p + 1) * per_post)) for p in range(posts)]


def mention_text(n: int, fans: list[int]) -> str:
    """The text of the n-th post of the burst, mentioning these fans by handle."""
    return f"bench mention burst {n}: " + " ".join(f"@{FAN_PREFIX}{fan}" for fan in fans)


async def mark_all_read(notifications: notification_service_pb2_grpc.NotificationServiceStub, user_id: int) -> None:
    """Marks everything the user has so far read (the marker at the current millisecond), so that the user's unread
    set holds only what comes after: the bench reads each arrival there."""
    await notifications.MarkNotificationsRead(
        notification_service_pb2.MarkNotificationsReadRequest(up_to_id=min_id_at(int(time.time() * 1000)) - 1),
        metadata=as_user(user_id),
        timeout=10,
    )


@dataclass(frozen=True)
class MixLoad:
    """The feed's mix beside the bursts: the capacity its load is a fraction of, where that figure comes from, and
    the share of the deliveries each author class publishes."""

    capacity: float
    source: str
    mean_socfb_followers: float
    shares: dict[str, float]


def mix_shares(threshold: int) -> dict[str, float]:
    """The timeline benchmark's shares when the graph pushes the 10k author (its threshold is above 10,000, as
    bench.run sets it); otherwise, as the stack runs (10,000), that author is a celebrity whose posts are pulled, and
    the 1k author publishes its share too, so that the mix offers the same deliveries."""
    if threshold > AUTHOR_SIZES["10k"]:
        return dict(SHARES)
    return {"socfb": SHARES["socfb"], "1k": SHARES["1k"] + SHARES["10k"], "10k": 0.0}


def mix_load(
    capacity: float | None, threshold: int, mean_socfb_followers: float, latest: Path | None = None
) -> MixLoad:
    """The mix's capacity given, or the one the timeline benchmark's last run measured (latest.json)."""
    shares = mix_shares(threshold)
    if capacity is not None:
        return MixLoad(capacity, "--mix-capacity", mean_socfb_followers, shares)
    path = latest or RESULTS / "latest.json"
    try:
        figures: dict[str, Any] = json.loads(path.read_text())
        cap = figures["mix_capacity"]
        measured, started = float(cap["deliveries_per_second"]), str(figures["started_at"])
    except (OSError, ValueError, KeyError, TypeError):
        raise SystemExit(
            f"no mix capacity in {path}: run `python -m bench.run` first, or pass --mix-capacity DELIVERIES_PER_S"
        ) from None
    return MixLoad(measured, f"the timeline benchmark run of {started}", mean_socfb_followers, shares)
