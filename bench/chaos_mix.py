"""The steady mixed load of `make chaos`: register, follow, post, like, comment, and reads of feeds and
notifications, through the gateway, each started on schedule (open loop), writes retried as an app does until
acknowledged or given up. Every attempt and every acknowledgement goes into a `Ledger` (bench/chaos_ledger.py).

Retries: an answer of 5xx or 429, a timeout, or a refused connection is tried again after `Retry-After` (at most
RETRY_CAP_SECONDS) or an exponential backoff with jitter, for at most GIVE_UP_SECONDS. The same `Idempotency-Key` goes
with every attempt of a post, like or comment; a follow is idempotent by nature; a registration answered 409 after
an attempt without an answer counts as made (the retry found the account its first attempt created).
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.chaos_ledger import AckedComment, AckedPost, GaveUp, Ledger
from bench.chaos_load import CLIENT_TIMEOUT_SECONDS, PASSWORD, Account, Sample
from bench.loadgen import open_loop

GIVE_UP_SECONDS = 45.0
RETRY_CAP_SECONDS = 5.0
# Operations a second. Per account the writes stay far below the budgets (gateway 120 writes a minute; likes 60 a
# minute, comments 10; the public routes 30 a minute per address: a registration is two of them).
RATES = {
    "register": 0.1,
    "follow": 0.5,
    "post": 1.0,
    "like": 1.0,
    "comment": 0.5,
    "feed": 2.0,
    "notifications": 1.0,
}
MAX_IN_FLIGHT = 40  # per operation


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


async def login(client: httpx.AsyncClient, account: Account) -> bool:
    """Takes a new access token for `account` into its headers (a token the gateway no longer accepts: keys
    rotate); False when the login did not answer 200."""
    try:
        response = await client.post("/v1/sessions", json={"handle": account.handle, "password": PASSWORD})
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    account.headers["authorization"] = f"Bearer {_json(response).get('accessToken', '')}"
    return True


def _retry_delay(response: httpx.Response | None, attempt: int) -> float:
    if response is not None and (value := response.headers.get("retry-after", "")).isdigit():
        return min(float(value), RETRY_CAP_SECONDS)
    return min(0.25 * 2**attempt, RETRY_CAP_SECONDS) * random.uniform(0.5, 1.0)


@dataclass
class MixedLoad:
    gateway: str
    accounts: list[Account]
    ledger: Ledger = field(default_factory=Ledger)
    rates: dict[str, float] = field(default_factory=lambda: dict(RATES))
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        for account in self.accounts:
            self.ledger.users[account.user_id] = account.handle

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Runs until stop(); then waits for the operations in flight (each gives up within GIVE_UP_SECONDS)."""
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(base_url=self.gateway, timeout=CLIENT_TIMEOUT_SECONDS, limits=limits) as client:
            ops: dict[str, Callable[[httpx.AsyncClient], Coroutine[Any, Any, None]]] = {
                "register": self._register,
                "follow": self._follow,
                "post": self._post,
                "like": self._like,
                "comment": self._comment,
                "feed": self._feed,
                "notifications": self._notifications,
            }
            await asyncio.gather(
                *(self._schedule(client, ops[name], rate) for name, rate in self.rates.items() if rate > 0)
            )

    async def _schedule(
        self, client: httpx.AsyncClient, op: Callable[[httpx.AsyncClient], Coroutine[Any, Any, None]], rate: float
    ) -> None:
        await open_loop(self._stop, rate, MAX_IN_FLIGHT, lambda: op(client))

    async def _attempt(
        self, client: httpx.AsyncClient, op: str, method: str, path: str, **kwargs: Any
    ) -> tuple[httpx.Response | None, Sample]:
        started = time.monotonic()
        response: httpx.Response | None = None
        try:
            response = await client.request(method, path, **kwargs)
            status = str(response.status_code)
            if op == "feed" and response.status_code == 200 and _json(response).get("degraded"):
                status = "200-degraded"
        except httpx.TimeoutException:
            status = "timeout"
        except httpx.HTTPError:
            status = "error"
        sample = Sample(
            op, started, time.monotonic() - started, status, bool(response and "retry-after" in response.headers)
        )
        self.ledger.attempts.append(sample)
        return response, sample

    async def _until_answered(
        self,
        client: httpx.AsyncClient,
        op: str,
        method: str,
        path: str,
        *,
        account: Account | None = None,
        **kwargs: Any,
    ) -> tuple[httpx.Response | None, bool]:
        """Attempts until an answer that is neither a 5xx nor a 429; returns it (None: given up) and whether an
        earlier attempt went unanswered or failed (so a 409 may be the first attempt's own effect). A 401 for
        `account` logs it in again once and retries."""
        started = time.monotonic()
        unsure = False
        relogged = False
        for attempt in range(1_000):
            if account is not None:
                kwargs["headers"] = {**kwargs.get("headers", {}), **account.headers}
            response, sample = await self._attempt(client, op, method, path, **kwargs)
            if response is not None and response.status_code == 401 and account is not None and not relogged:
                relogged = await login(client, account)
                if relogged:
                    continue
            if response is not None and response.status_code < 500 and response.status_code != 429:
                return response, unsure
            unsure = unsure or response is None or response.status_code != 429
            delay = _retry_delay(response, attempt)
            if time.monotonic() + delay - started > GIVE_UP_SECONDS:
                break
            await asyncio.sleep(delay)
        self.ledger.gave_up.append(GaveUp(op, started, sample.status))
        return None, unsure

    def _someone(self) -> Account:
        return random.choice(self.accounts)

    async def _register(self, client: httpx.AsyncClient) -> None:
        handle = f"chaos_{secrets.token_hex(6)}"
        body = {"handle": handle, "password": PASSWORD}
        made, unsure = await self._until_answered(client, "register", "POST", "/v1/users", json=body)
        if made is None or not (made.status_code == 200 or (made.status_code == 409 and unsure)):
            return
        session, _ = await self._until_answered(client, "login", "POST", "/v1/sessions", json=body)
        if session is None or session.status_code != 200:
            return
        found = _json(session)
        user_id = int(found.get("userId", 0))
        if not user_id:
            return
        self.ledger.users[user_id] = handle
        self.ledger.registered[user_id] = time.monotonic()
        self.accounts.append(Account(user_id, handle, {"authorization": f"Bearer {found.get('accessToken', '')}"}))

    async def _follow(self, client: httpx.AsyncClient) -> None:
        follower, followee = random.sample(self.accounts, 2)
        response, _ = await self._until_answered(
            client, "follow", "POST", f"/v1/users/{followee.user_id}/follow", account=follower
        )
        if response is not None and response.status_code == 200 and _json(response).get("state") == "FOLLOWING":
            self.ledger.follows.setdefault((follower.user_id, followee.user_id), time.monotonic())

    async def _post(self, client: httpx.AsyncClient) -> None:
        author = self._someone()
        token = f"cp{secrets.token_hex(8)}"
        headers = {"idempotency-key": secrets.token_hex(16)}
        response, _ = await self._until_answered(
            client, "post", "POST", "/v1/posts", json={"text": f"chaos post {token}"}, headers=headers, account=author
        )
        if response is not None and response.status_code == 200 and (post_id := int(_json(response).get("id", 0))):
            self.ledger.posts[post_id] = AckedPost(post_id, author.user_id, token, time.monotonic())

    def _others_post(self, user_id: int) -> int | None:
        posts = list(self.ledger.posts.values())[-200:]
        candidates = [p.post_id for p in posts if p.author_id != user_id]
        return random.choice(candidates) if candidates else None

    async def _like(self, client: httpx.AsyncClient) -> None:
        user = self._someone()
        post_id = self._others_post(user.user_id)
        if post_id is None or (user.user_id, post_id) in self.ledger.likes:
            return
        headers = {"idempotency-key": secrets.token_hex(16)}
        response, _ = await self._until_answered(
            client, "like", "POST", f"/v1/posts/{post_id}/like", headers=headers, account=user
        )
        if response is not None and response.status_code == 200:
            self.ledger.likes.setdefault((user.user_id, post_id), time.monotonic())

    async def _comment(self, client: httpx.AsyncClient) -> None:
        user = self._someone()
        post_id = self._others_post(user.user_id)
        if post_id is None:
            return
        token = f"cc{secrets.token_hex(8)}"
        headers = {"idempotency-key": secrets.token_hex(16)}
        response, _ = await self._until_answered(
            client,
            "comment",
            "POST",
            f"/v1/posts/{post_id}/comments",
            json={"text": f"chaos comment {token}"},
            headers=headers,
            account=user,
        )
        if response is not None and response.status_code == 200 and (comment_id := int(_json(response).get("id", 0))):
            self.ledger.comments[comment_id] = AckedComment(comment_id, post_id, user.user_id, token, time.monotonic())

    async def _feed(self, client: httpx.AsyncClient) -> None:
        await self._read(client, "feed", "/v1/feed", {"limit": 20, "mode": "chronological"})

    async def _notifications(self, client: httpx.AsyncClient) -> None:
        await self._read(client, "notifications", "/v1/notifications", {"limit": 20})

    async def _read(self, client: httpx.AsyncClient, op: str, path: str, params: dict[str, Any]) -> None:
        """One read, not retried (the next one comes on schedule), but a 401 logs the reader in again."""
        account = self._someone()
        response, _ = await self._attempt(client, op, "GET", path, params=params, headers=account.headers)
        if response is not None and response.status_code == 401:
            await login(client, account)
