"""The checker of `make chaos`: holds the system to what its clients were told (the `Ledger`), once the load has
stopped, in PostgreSQL and through the gateway:

- every acknowledged post, follow, like and comment is in PostgreSQL exactly once (posts and comments by the token
  in their text, so a retry that made a second row is seen) and answers through the API (GET the post, the
  follower's following list, the post's comments), exactly once;
- every sampled user's chronological home feed, read to its end, equals the model: the live posts of the accounts
  the user follows and the user's own, newest first (bench/chaos_rules.py), from PostgreSQL's rows, and shows
  `likedByMe` on the posts the user's acknowledged likes name;
- every acknowledged post's like and comment counts through the API equal the recount of its rows (the engagement
  service's own recount.sql);
- every follow, like and comment on someone else's live post told to its recipient, and no user's notifications
  repeat one (kind, actor, post, comment).

What converges (feeds, counters, notifications) is read again every few seconds until it holds or `within` passes;
the last reading is the verdict.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench import ROOT
from bench.chaos_ledger import Ledger
from bench.chaos_load import Account
from bench.chaos_mix import login
from bench.chaos_rules import (
    counter_mismatches,
    expected_feed,
    expected_notifications,
    feed_diff,
    notification_duplicates,
    notification_keys,
    once_each,
)

RECOUNT_SQL = (ROOT / "services" / "engagement" / "adapters" / "sql" / "recount.sql").read_text()
POST_TOKEN = re.compile(r"chaos post (cp[0-9a-f]{16})")
COMMENT_TOKEN = re.compile(r"chaos comment (cc[0-9a-f]{16})")
PAGE = 100
CONCURRENCY = 8
RECHECK_SECONDS = 3.0


@dataclass
class Findings:
    """Problems found; `lost` and `doubled` name acknowledged items (kind -> descriptions)."""

    lost: dict[str, list[str]] = field(default_factory=dict)
    doubled: dict[str, list[str]] = field(default_factory=dict)
    feeds: dict[int, str] = field(default_factory=dict)  # viewer -> what differs
    counters: dict[int, str] = field(default_factory=dict)  # post -> shown vs recount
    notifications: dict[int, list[str]] = field(default_factory=dict)  # user -> duplicated keys
    api_errors: list[str] = field(default_factory=list)  # reads of the checker that did not answer 200
    checked: dict[str, int] = field(default_factory=dict)
    lost_times: dict[str, list[float]] = field(default_factory=dict)  # kind -> acknowledgement times of lost items

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.feeds or self.counters or self.notifications or self.api_errors)

    def add_lost(self, kind: str, what: str, acked_at: float) -> None:
        self.lost.setdefault(kind, []).append(what)
        self.lost_times.setdefault(kind, []).append(acked_at)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "lost": self.lost,
            "doubled": self.doubled,
            "feeds": {str(k): v for k, v in self.feeds.items()},
            "counters": {str(k): v for k, v in self.counters.items()},
            "notification_duplicates": {str(k): v for k, v in self.notifications.items()},
            "api_errors": self.api_errors[:50],
        }


@dataclass
class Rows:
    """What PostgreSQL holds for the run's accounts."""

    posts: dict[int, tuple[int, str, bool]]  # id -> (author, text, deleted)
    follows: set[tuple[int, int]]
    likes: list[tuple[int, int]]  # (user, post), one per row
    comments: dict[int, tuple[int, int, str]]  # id -> (post, author, text)
    recount: dict[int, tuple[int, int]]  # post -> (likes, comments) from the rows that count


async def read_rows(pg_dsn: str, users: Iterable[int], posts: Iterable[int]) -> Rows:
    conn = await asyncpg.connect(pg_dsn, timeout=10)
    try:
        user_ids, post_ids = list(users), list(posts)
        post_rows = await conn.fetch(
            "SELECT id, author_id, text, deleted_at IS NOT NULL AS deleted FROM post.posts WHERE author_id = ANY($1)",
            user_ids,
        )
        all_posts = [r["id"] for r in post_rows]
        follows = await conn.fetch(
            "SELECT follower_id, followee_id FROM graph.follows WHERE follower_id = ANY($1)", user_ids
        )
        likes = await conn.fetch("SELECT user_id, post_id FROM engagement.likes WHERE post_id = ANY($1)", all_posts)
        comments = await conn.fetch(
            "SELECT id, post_id, author_id, text FROM engagement.comments WHERE post_id = ANY($1)", all_posts
        )
        recount = await conn.fetch(RECOUNT_SQL, post_ids)
    finally:
        await conn.close()
    return Rows(
        posts={r["id"]: (r["author_id"], r["text"], r["deleted"]) for r in post_rows},
        follows={(r["follower_id"], r["followee_id"]) for r in follows},
        likes=[(r["user_id"], r["post_id"]) for r in likes],
        comments={r["id"]: (r["post_id"], r["author_id"], r["text"]) for r in comments},
        recount={r["post_id"]: (r["likes"], r["comments"]) for r in recount},
    )


def check_rows(ledger: Ledger, rows: Rows, findings: Findings) -> None:
    """Every acknowledged item in PostgreSQL, exactly once."""
    post_tokens = [m.group(1) for _, text, _ in rows.posts.values() if (m := POST_TOKEN.search(text))]
    missing, doubled = once_each([p.token for p in ledger.posts.values()], post_tokens)
    by_token = {p.token: p for p in ledger.posts.values()}
    for token in missing:
        findings.add_lost("posts", f"post {by_token[token].post_id} ({token})", by_token[token].acked_at)
    for post in ledger.posts.values():
        if post.token not in missing and (post.post_id not in rows.posts or rows.posts[post.post_id][2]):
            findings.add_lost("posts", f"post {post.post_id}: no live row under its id", post.acked_at)
    if doubled:
        findings.doubled["posts"] = [f"{t}: {post_tokens.count(t)} rows" for t in doubled]
    for (follower, followee), at in ledger.follows.items():
        if (follower, followee) not in rows.follows:
            findings.add_lost("follows", f"{follower} -> {followee}", at)
    missing_likes, doubled_likes = once_each(ledger.likes, [(u, p) for u, p in rows.likes])
    for key in missing_likes:
        findings.add_lost("likes", f"user {key[0]} likes post {key[1]}", ledger.likes[key])
    if doubled_likes:
        findings.doubled["likes"] = [str(k) for k in doubled_likes]
    comment_tokens = [m.group(1) for _, _, text in rows.comments.values() if (m := COMMENT_TOKEN.search(text))]
    acked_comments = {c.token: c for c in ledger.comments.values()}
    missing_c, doubled_c = once_each(acked_comments, comment_tokens)
    for token in missing_c:
        findings.add_lost("comments", f"comment {acked_comments[token].comment_id}", acked_comments[token].acked_at)
    if doubled_c:
        findings.doubled["comments"] = [f"{t}: {comment_tokens.count(t)} rows" for t in doubled_c]
    findings.checked.update({f"pg_{kind}": n for kind, n in ledger.acked_counts().items()})


@dataclass
class ApiReader:
    """Reads through the gateway as the run's accounts, a few at a time, retrying what the stack refuses for now."""

    client: httpx.AsyncClient
    accounts: dict[int, Account]
    errors: list[str] = field(default_factory=list)
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CONCURRENCY))

    async def get(self, as_user: int, path: str, **params: Any) -> dict[str, Any] | None:
        account = self.accounts[as_user]
        async with self._gate:
            for attempt in range(6):
                try:
                    response = await self.client.get(path, params=params, headers=account.headers)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                else:
                    if response.status_code == 200:
                        found = response.json()
                        return found if isinstance(found, dict) else {}
                    status = str(response.status_code)
                    if response.status_code == 401 and attempt == 0 and await login(self.client, account):
                        continue
                    if response.status_code not in (429, 503):
                        break
                await asyncio.sleep(min(0.5 * 2**attempt, 4.0))
        self.errors.append(f"GET {path} as {as_user}: {status}")
        return None

    async def pages(self, as_user: int, path: str, key: str, **params: Any) -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = []
        cursor = ""
        for _ in range(200):
            page = await self.get(as_user, path, limit=PAGE, cursor=cursor, **params)
            if page is None:
                return None
            items += page.get(key, [])
            cursor = page.get("nextCursor", "")
            if not cursor:
                return items
        return items


async def _gather(calls: Iterable[Awaitable[None]]) -> None:
    await asyncio.gather(*calls)


async def check_api(ledger: Ledger, rows: Rows, reader: ApiReader, viewers: list[int], findings: Findings) -> None:
    """The API's side: acknowledged items once each, feeds, counters, notifications (findings of this reading)."""
    shown: dict[int, tuple[int, int]] = {}

    async def post(pid: int, author: int) -> None:
        found = await reader.get(author, f"/v1/posts/{pid}")
        if found is None:
            return
        shown[pid] = (int(found.get("likeCount", 0)), int(found.get("commentCount", 0)))

    await _gather(post(p.post_id, p.author_id) for p in ledger.posts.values())
    findings.counters = {
        pid: f"shown (likes, comments) {s}, recount {r}"
        for pid, (s, r) in counter_mismatches(shown, rows.recount).items()
    }

    following: dict[int, list[int]] = {}

    async def follows_of(user: int) -> None:
        items = await reader.pages(user, f"/v1/users/{user}/following", "users")
        if items is not None:
            following[user] = [int(u.get("id", 0)) for u in items]

    await _gather(follows_of(u) for u in {f for f, _ in ledger.follows})
    for (follower, followee), at in ledger.follows.items():
        if follower in following:
            n = following[follower].count(followee)
            if n == 0:
                findings.add_lost("follows (API)", f"{follower} -> {followee} not in the following list", at)
            elif n > 1:
                findings.doubled.setdefault("follows (API)", []).append(f"{follower} -> {followee} x{n}")

    comments_of: dict[int, list[int]] = {}

    async def comments(pid: int, author: int) -> None:
        items = await reader.pages(author, f"/v1/posts/{pid}/comments", "comments")
        if items is not None:
            comments_of[pid] = [int(c.get("id", 0)) for c in items]

    posts_with_comments = {c.post_id for c in ledger.comments.values()}
    await _gather(comments(pid, ledger.posts[pid].author_id) for pid in posts_with_comments if pid in ledger.posts)
    for c in ledger.comments.values():
        if c.post_id in comments_of:
            n = comments_of[c.post_id].count(c.comment_id)
            if n == 0:
                findings.add_lost("comments (API)", f"comment {c.comment_id} not listed on {c.post_id}", c.acked_at)
            elif n > 1:
                findings.doubled.setdefault("comments (API)", []).append(f"comment {c.comment_id} x{n}")

    live = {pid: author for pid, (author, _, deleted) in rows.posts.items() if not deleted}

    async def feed(viewer: int) -> None:
        items = await reader.pages(viewer, "/v1/feed", "items", mode="chronological")
        if items is None:
            return
        got = [int((i.get("post") or {}).get("id", 0)) for i in items]
        diff = feed_diff(got, expected_feed(viewer, rows.follows, live))
        liked = {int((i.get("post") or {}).get("id", 0)) for i in items if i.get("likedByMe")}
        unliked = sorted(p for (u, p) in ledger.likes if u == viewer and p in got and p not in liked)
        if not diff.exact or unliked:
            findings.feeds[viewer] = (
                f"{len(got)} items; missing {diff.missing[:10]} ({len(diff.missing)}), extra {diff.extra[:10]} "
                f"({len(diff.extra)}), duplicates {diff.duplicates[:10]}, out of order {diff.out_of_order}, "
                f"liked but not likedByMe {unliked[:10]}"
            )

    findings.feeds = {}
    await _gather(feed(v) for v in viewers)

    owed = expected_notifications(
        ledger.follows,
        ledger.likes,
        ((c.comment_id, c.post_id, c.author_id, c.acked_at) for c in ledger.comments.values()),
        live,
    )
    recipients = set(owed)

    async def notifications(user: int) -> None:
        items = await reader.pages(user, "/v1/notifications", "notifications")
        if items is None:
            return
        if doubled := notification_duplicates(items):
            findings.notifications[user] = [str(k) for k in doubled[:10]]
        shown = set(notification_keys(items))
        for key, at in owed[user].items():
            if key not in shown:
                findings.add_lost("notifications", f"user {user} not told {key}", at)

    findings.notifications = {}
    await _gather(notifications(u) for u in sorted(recipients))
    findings.checked.update(
        {
            "api_posts": len(shown),
            "api_following_lists": len(following),
            "api_comment_lists": len(comments_of),
            "feeds": len(viewers),
            "notification_lists": len(recipients),
            "notifications_owed": sum(len(keys) for keys in owed.values()),
        }
    )


def pick_viewers(ledger: Ledger, count: int) -> list[int]:
    """The accounts following the most others (the fullest feeds) and the latest registered ones."""
    following: dict[int, int] = {}
    for follower, _ in ledger.follows:
        following[follower] = following.get(follower, 0) + 1
    busiest = sorted(following, key=lambda u: -following[u])[: count - count // 4]
    newest = [u for u in sorted(ledger.registered, key=lambda u: -ledger.registered[u]) if u not in busiest]
    return busiest + newest[: count - len(busiest)]


async def check(
    gateway: str,
    pg_dsn: str,
    ledger: Ledger,
    accounts: list[Account],
    *,
    viewers: int = 8,
    within: float = 120.0,
    progress: Callable[[str], None] = print,
) -> tuple[Findings, float]:
    """Reads everything again until it all holds or `within` passes; returns the last findings and the seconds
    it took to hold (or `within`)."""
    started = time.monotonic()
    chosen = pick_viewers(ledger, viewers)
    by_id = {a.user_id: a for a in accounts}
    async with httpx.AsyncClient(base_url=gateway, timeout=15) as client:
        while True:
            findings = Findings()
            reader = ApiReader(client, by_id)
            rows = await read_rows(pg_dsn, ledger.users, ledger.posts)
            check_rows(ledger, rows, findings)
            await check_api(ledger, rows, reader, chosen, findings)
            findings.api_errors = reader.errors
            waited = time.monotonic() - started
            if findings.ok or waited + RECHECK_SECONDS > within:
                return findings, waited
            progress(
                f"  checker: not yet ({waited:.0f} s): lost {sum(len(v) for v in findings.lost.values())}, "
                f"feeds {len(findings.feeds)}, counters {len(findings.counters)}, "
                f"notifications {len(findings.notifications)}, read errors {len(findings.api_errors)}"
            )
            await asyncio.sleep(RECHECK_SECONDS)
