"""The light load of the chaos run: the main routes through the gateway at a few calls a second each, open loop (a
call is started on schedule whatever the earlier ones are doing, so a hang shows as latency and never silences a
route), every answer kept as a `Sample`.

Accounts are made over gRPC straight at the auth service, as the e2e fixtures do (through the gateway they would
spend its public budget, 30 a minute per address); the login route itself runs through the gateway.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc

from bench.loadgen import open_loop

PASSWORD = "correct horse battery"
# The client gives up this long after the gateway's route timeout (10 s): an answer later than that is a hang.
ROUTE_DEADLINE_SECONDS = 10.0
CLIENT_TIMEOUT_SECONDS = ROUTE_DEADLINE_SECONDS + 2.0
# Calls per second of each route; writes spread over the accounts stay far below the per-user budgets (gateway 120
# writes a minute, 60 likes, the burst guard's 30 likes in a minute of a new account).
RATES = {
    "feed": 2.0,
    "notifications": 1.0,
    "post": 1.0,
    "like": 1.0,
    "follow": 1.0,
    "media": 1.0,
    "login": 0.4,  # the public budget is 30 a minute per address
}
ACCOUNTS = 12
MAX_IN_FLIGHT = 30  # per route


@dataclass(frozen=True)
class Sample:
    route: str
    started: float  # time.monotonic()
    seconds: float
    status: str  # the HTTP status, "200-degraded" for a degraded feed, "timeout" or "error" without an answer
    retry_after: bool

    @property
    def ended(self) -> float:
        return self.started + self.seconds


@dataclass(frozen=True)
class Account:
    """A load account: its id, its handle (the login route logs it in again) and its bearer token's headers."""

    user_id: int
    handle: str
    headers: dict[str, str]


@dataclass
class Load:
    gateway: str
    accounts: list[Account]
    samples: list[Sample] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=lambda: dict(RATES))
    """Calls per second of each route (a name of `routes()`)."""
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self) -> None:
        self._stop.set()

    def since(self, started: float) -> list[Sample]:
        return [s for s in self.samples if s.started >= started]

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(base_url=self.gateway, timeout=CLIENT_TIMEOUT_SECONDS, limits=limits) as client:
            calls = self.routes()
            await asyncio.gather(*(self._route(client, name, calls[name], rate) for name, rate in self.rates.items()))

    def routes(self) -> dict[str, Callable[[httpx.AsyncClient], Awaitable[tuple[httpx.Response, bool]]]]:
        """Every route the load knows, by name: one call each, answering (the response, whether it was degraded)."""
        return {
            "feed": self._feed,
            "notifications": self._notifications,
            "post": self._post,
            "like": self._like,
            "comment": self._comment,
            "follow": self._follow,
            "media": self._media,
            "login": self._login,
            "register": self._register,
        }

    async def _route(
        self,
        client: httpx.AsyncClient,
        name: str,
        call: Callable[[httpx.AsyncClient], Awaitable[tuple[httpx.Response, bool]]],
        rate: float,
    ) -> None:
        await open_loop(self._stop, rate, MAX_IN_FLIGHT, lambda: self.measure(client, name, call))

    async def measure(
        self,
        client: httpx.AsyncClient,
        name: str,
        call: Callable[[httpx.AsyncClient], Awaitable[tuple[httpx.Response, bool]]],
    ) -> None:
        """One call of a route, its answer kept in `samples`."""
        started = time.monotonic()
        try:
            response, degraded = await call(client)
            status = f"{response.status_code}-degraded" if degraded else str(response.status_code)
            retry_after = "retry-after" in response.headers
        except httpx.TimeoutException:
            status, retry_after = "timeout", False
        except httpx.HTTPError:
            status, retry_after = "error", False
        self.samples.append(Sample(name, started, time.monotonic() - started, status, retry_after))

    def _someone(self) -> Account:
        return random.choice(self.accounts)

    async def _feed(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        response = await client.get("/v1/feed", params={"limit": 20}, headers=self._someone().headers)
        return response, response.status_code == 200 and bool(_json(response).get("degraded"))

    async def _notifications(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        return await client.get("/v1/notifications", params={"limit": 20}, headers=self._someone().headers), False

    async def _post(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        body = {"text": f"chaos {secrets.token_hex(4)}"}
        response = await client.post("/v1/posts", json=body, headers=self._someone().headers)
        if response.status_code == 200 and (post_id := _json(response).get("id")):
            self.posts = [*self.posts[-49:], str(post_id)]
        return response, False

    async def _like(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        post_id = random.choice(self.posts) if self.posts else "1"
        return await client.post(f"/v1/posts/{post_id}/like", headers=self._someone().headers), False

    async def _comment(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        post_id = random.choice(self.posts) if self.posts else "1"
        body = {"text": f"comment {secrets.token_hex(4)}"}
        return await client.post(f"/v1/posts/{post_id}/comments", json=body, headers=self._someone().headers), False

    async def _follow(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        follower, followed = random.sample(self.accounts, 2)
        return await client.post(f"/v1/users/{followed.user_id}/follow", headers=follower.headers), False

    async def _media(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        body = {"contentType": "image/png", "sizeBytes": 1024}
        return await client.post("/v1/media", json=body, headers=self._someone().headers), False

    async def _login(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        account = self._someone()
        return await client.post("/v1/sessions", json={"handle": account.handle, "password": PASSWORD}), False

    async def _register(self, client: httpx.AsyncClient) -> tuple[httpx.Response, bool]:
        body = {"handle": f"load_{secrets.token_hex(6)}", "password": PASSWORD}
        return await client.post("/v1/users", json=body), False


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


async def renew_sessions(auth_target: str, accounts: list[Account]) -> None:
    """Logs every account in again at the auth service and swaps in its new token, as an app renews its session
    before the access token expires (a run longer than the token's lifetime would otherwise turn to 401s)."""
    async with grpc.aio.insecure_channel(auth_target) as channel:
        stub = auth_service_pb2_grpc.AuthServiceStub(channel)
        for account in accounts:
            session = await stub.CreateSession(
                auth_service_pb2.CreateSessionRequest(handle=account.handle, password=PASSWORD), timeout=30
            )
            account.headers["authorization"] = f"Bearer {session.access_token}"


async def make_accounts(auth_target: str, count: int = ACCOUNTS) -> list[Account]:
    """`count` new accounts with access tokens, made at the auth service directly."""
    accounts = []
    async with grpc.aio.insecure_channel(auth_target) as channel:
        stub = auth_service_pb2_grpc.AuthServiceStub(channel)
        for _ in range(count):
            handle = f"chaos_{secrets.token_hex(6)}"
            await stub.CreateUser(auth_service_pb2.CreateUserRequest(handle=handle, password=PASSWORD), timeout=30)
            session = await stub.CreateSession(
                auth_service_pb2.CreateSessionRequest(handle=handle, password=PASSWORD), timeout=30
            )
            headers = {"authorization": f"Bearer {session.access_token}"}
            accounts.append(Account(int(session.user_id), handle, headers))
    return accounts
