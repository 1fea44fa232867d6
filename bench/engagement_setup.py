"""The engagement benchmark's accounts, sessions and posts.

- Likers: the accounts `bench_fan_<n>` from n = LIKER_FIRST, part of the timeline benchmark's fixture
  (bench/seed.py, which creates it when missing); these follow only the 100k author. Each logs in through
  AuthService.CreateSession, straight to the auth service like the e2e fixtures (through the gateway the logins
  would spend its public budget, 30 a minute per address). A login costs ~100 ms of argon2 on this machine, so the
  tokens are kept in `.run/bench/engagement-sessions.json` (mode 0600, beside the stack's other state, git-ignored)
  and reused while they have SESSION_MARGIN_SECONDS left (a token lives an hour).
- Posts: new ones every run, so that every like of the run is a new row. They are written by
  `bench_engagement_author`, an account nobody follows (posting costs no fanout), through PostService.CreatePost,
  then shown once (BatchGetPostStats) as a feed page shows a post before anyone can like it, and waited for until
  the engagement service has cached their counts in Redis.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from feedmesh.auth.v1 import auth_service_pb2
from feedmesh.post.v1 import post_service_pb2, post_service_pb2_grpc

from bench import ROOT
from bench.env import Bench, as_user
from bench.measure_drift import Probes
from bench.measure_likes import Liker
from bench.seed import FAN_PREFIX, PASSWORD, Seeder, bounded
from services.common.polling import wait_for

LIKER_FIRST = 90_000
AUTHOR_HANDLE = "bench_engagement_author"
SESSIONS_FILE = ROOT / ".run" / "bench" / "engagement-sessions.json"
SESSION_MARGIN_SECONDS = 1200
_LOGIN_CONCURRENCY = 4


def usable_sessions(cached: Mapping[str, Any], now: float, margin: float) -> dict[str, Liker]:
    """The cached sessions (handle -> {user_id, token, expires_at}) valid for at least `margin` more seconds."""
    return {
        handle: Liker(int(s["user_id"]), str(s["token"]))
        for handle, s in cached.items()
        if float(s.get("expires_at", 0)) - now >= margin
    }


def _load_cache() -> dict[str, Any]:
    try:
        loaded = json.loads(SESSIONS_FILE.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save_cache(entries: Mapping[str, Any]) -> None:
    SESSIONS_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = SESSIONS_FILE.with_suffix(".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        json.dump(entries, f)
    tmp.replace(SESSIONS_FILE)


async def likers(bench: Bench, count: int, *, margin: float = SESSION_MARGIN_SECONDS) -> list[Liker]:
    """`count` likers with access tokens valid for `margin` seconds more (the fixture created and logins made only
    where missing)."""
    seeder = Seeder(bench)
    handles = [f"{FAN_PREFIX}{n}" for n in range(LIKER_FIRST, LIKER_FIRST + count)]
    if len(await seeder.lookup(handles)) < count:
        await seeder.synthetic()
    cache = _load_cache()
    usable = usable_sessions(cache, time.time(), margin)
    missing = [h for h in handles if h not in usable]
    if missing:
        print(f"  logging {len(missing)} likers in through CreateSession ...", flush=True)
        started = time.monotonic()

        async def login(handle: str) -> None:
            reply = await seeder.auth.CreateSession(
                auth_service_pb2.CreateSessionRequest(handle=handle, password=PASSWORD), timeout=60
            )
            usable[handle] = Liker(reply.user_id, reply.access_token)
            cache[handle] = {
                "user_id": reply.user_id,
                "token": reply.access_token,
                "expires_at": time.time() + reply.expires_in,
            }

        try:
            await bounded(_LOGIN_CONCURRENCY, (login(h) for h in missing))
        finally:  # the logins done so far are kept even if one failed
            _save_cache({h: s for h, s in cache.items() if h in usable})
        print(f"  logged in in {time.monotonic() - started:.0f}s", flush=True)
    return [usable[h] for h in handles]


async def author(bench: Bench) -> int:
    return (await Seeder(bench).register([AUTHOR_HANDLE]))[AUTHOR_HANDLE]


async def fresh_posts(bench: Bench, author_id: int, count: int, label: str) -> list[int]:
    stub = post_service_pb2_grpc.PostServiceStub(bench.channel(bench.addr.post))
    ids: list[int] = []

    async def publish(n: int) -> None:
        reply = await stub.CreatePost(
            post_service_pb2.CreatePostRequest(text=f"bench engagement {label} {n}"),
            metadata=as_user(author_id),
            timeout=60,
        )
        ids.append(reply.id)

    await bounded(16, (publish(n) for n in range(count)))
    return ids


async def cached_counts(probes: Probes, post_ids: Sequence[int], within: float = 60) -> float:
    """Shows the posts once (BatchGetPostStats queues the uncached ones to be cached) and waits until their counts
    are in Redis; returns the seconds waited."""
    started = time.monotonic()
    await probes.served(post_ids)
    await wait_for(
        lambda: probes.cached(post_ids),
        lambda cached: all(cached.values()),
        what=f"the counts of {len(post_ids)} new posts cached in Redis",
        within=within,
        interval=0.2,
    )
    return time.monotonic() - started
