"""Resource abuse at the gateway (docs/resource-limits.md), on a throw-away gateway rendered from the same template
with short timeouts and a small connection cap: oversized bodies, URLs and headers get a clear 4xx with the
contract's JSON error at once; headers or a body trickled byte by byte get 408 and the connection closed within the
stated timeout; past the connection cap a new connection is closed; deep pagination (forged or huge cursors, a
limit of 10^9) gets 400 or a clamped page fast; and while slow connections are held open a normal user's feed reads
stay within the stated bound of their p99 without them."""

from __future__ import annotations

import base64
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.e2e.conftest import Gateway, User

pytestmark = pytest.mark.e2e

HEADERS_TIMEOUT, REQUEST_TIMEOUT, MAX_CONNECTIONS = 2, 3, 64
# An abusive request is refused well within this (seconds), before any service sees it.
PROMPT = 1.0
# Slack on a timeout for the close to reach the client.
CLOSE_SLACK = 1.5
SLOW_CONNECTIONS = 40
# what a slow client sends before trickling the rest: unfinished headers, or a body announced and never sent
SLOW_HEADERS = b"GET /v1/feed HTTP/1.1\r\nHost: x\r\n"
SLOW_BODY = b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
READS = 100
# The bound on a normal user's slowdown while SLOW_CONNECTIONS are held: p99 under abuse at most twice the p99 without
# it plus 100 ms (a 2-core machine shared with the stack; Envoy's worker serves both).
P99_FACTOR, P99_SLACK_S = 2.0, 0.1


@pytest.fixture
def guarded(start_gateway: Callable[..., Gateway]) -> Gateway:
    return start_gateway(
        FEEDMESH_GATEWAY_HEADERS_TIMEOUT_SECONDS=str(HEADERS_TIMEOUT),
        FEEDMESH_GATEWAY_REQUEST_TIMEOUT_SECONDS=str(REQUEST_TIMEOUT),
        FEEDMESH_GATEWAY_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
        FEEDMESH_RATE_READ_PER_MIN="100000",
    )


def _refused(reply: httpx.Response, status: int, code: int, started: float) -> None:
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] == code and reply.json()["details"] == [], reply.text
    assert time.monotonic() - started < PROMPT


def test_oversized_requests_get_a_clear_4xx_at_once(guarded: Gateway, new_user: Callable[..., User]) -> None:
    user = new_user()
    with httpx.Client(base_url=guarded.url, timeout=10) as client:
        started = time.monotonic()
        body = b'{"text": "' + b"a" * (2 * 1024 * 1024) + b'"}'
        reply = client.post("/v1/posts", content=body, headers={**user.auth, "content-type": "application/json"})
        _refused(reply, 413, 8, started)
        started = time.monotonic()
        _refused(client.get("/v1/feed", params={"cursor": "A" * 40_000}, headers=user.auth), 431, 8, started)
        started = time.monotonic()
        _refused(client.get("/v1/feed", headers={**user.auth, "x-padding": "a" * 40_000}), 431, 8, started)
        started = time.monotonic()
        many = {f"x-h{i}": "a" for i in range(80)}
        _refused(client.get("/v1/feed", headers={**user.auth, **many}), 431, 8, started)
        started = time.monotonic()
        _refused(client.get("/v1/feed", headers={**user.auth, "x_user_id": "1"}), 400, 3, started)
        assert client.get("/v1/feed", headers=user.auth).status_code == 200  # the gateway is fine


def _trickle(port: int, head: bytes, drip: bytes) -> tuple[float, bytes]:
    """Sends `head`, then one byte of `drip` every 0.2 s until the gateway answers or closes; the seconds it took
    and what it answered."""
    started = time.monotonic()
    answer = b""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.settimeout(0.2)
        conn.sendall(head)
        while time.monotonic() - started < REQUEST_TIMEOUT + 5:
            try:
                conn.sendall(drip)
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            answer += chunk
            if not chunk or answer:
                break
    return time.monotonic() - started, answer


def test_slowloris_headers_and_bodies_get_408_within_the_timeout(guarded: Gateway) -> None:
    took, answer = _trickle(guarded.port, SLOW_HEADERS, b"X")
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b'"message":"request not received in time"' in answer
    assert HEADERS_TIMEOUT - 0.5 < took < HEADERS_TIMEOUT + CLOSE_SLACK
    took, answer = _trickle(guarded.port, SLOW_BODY, b" ")
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert REQUEST_TIMEOUT - 0.5 < took < REQUEST_TIMEOUT + CLOSE_SLACK


def test_past_the_connection_cap_a_new_connection_is_closed(guarded: Gateway) -> None:
    held = [socket.create_connection(("127.0.0.1", guarded.port)) for _ in range(MAX_CONNECTIONS)]
    try:
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{guarded.url}/healthz", timeout=3)
    finally:
        for conn in held:
            conn.close()
    # the cap counts open connections: once they are gone, new ones are served
    deadline = time.monotonic() + 3
    while True:
        try:
            assert httpx.get(f"{guarded.url}/healthz", timeout=3).status_code == 200
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise


def test_deep_pagination_is_refused_or_clamped_fast(guarded: Gateway, new_user: Callable[..., User]) -> None:
    """Cursors up to a few KiB reach the feed service (longer ones, and ones nested past the JSON parser's
    recursion, are refused by services.common.pagination: tests/unit/common/test_pagination.py)."""
    user = new_user()
    forged = [
        b'{"b": 99999999999999999999999}',  # past int64
        b'{"r": "abc", "o": 99999999999999999999999, "lo": -1}',  # a ranking session that never was
        b'{"b": 1, "pad": "' + b"x" * 3000 + b'"}',  # longer than any cursor we issue
        b"[" * 900,  # nested
        b"{}",  # a valid empty position
    ]
    cursors = [base64.urlsafe_b64encode(raw).decode().rstrip("=") for raw in forged] + ["not base64 !"]
    with httpx.Client(base_url=guarded.url, timeout=10, headers=user.auth) as client:
        for cursor in cursors:
            started = time.monotonic()
            reply = client.get("/v1/feed", params={"cursor": cursor})
            assert reply.status_code in (200, 400), reply.text
            if reply.status_code == 400:
                assert reply.json()["code"] == 3
            assert time.monotonic() - started < PROMPT
        for path in ("/v1/feed", f"/v1/users/{user.id}/followers", f"/v1/users/{user.id}/posts", "/v1/notifications"):
            started = time.monotonic()
            reply = client.get(path, params={"limit": 10**9})
            assert reply.status_code == 200, reply.text  # clamped to 100 (AIP-158)
            assert time.monotonic() - started < PROMPT
        # past int32 the transcoder refuses it before any service
        assert client.get("/v1/feed", params={"limit": 10**12}).status_code == 400


class _Slowloris:
    """Keeps `count` connections trickling a byte every 0.2 s, half of them request headers and half a body,
    reopening each one the gateway closes."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, index: int) -> socket.socket:
        conn = socket.create_connection(("127.0.0.1", self.port))
        conn.sendall(SLOW_HEADERS if index % 2 else SLOW_BODY)
        return conn

    def _run(self) -> None:
        conns = [self._open(i) for i in range(self.count)]
        while not self.stop.wait(0.2):
            for i, conn in enumerate(conns):
                try:
                    conn.sendall(b"X")
                except OSError:
                    conn.close()
                    conns[i] = self._open(i)
        for conn in conns:
            conn.close()

    def __enter__(self) -> _Slowloris:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def _p99_of_feed_reads(gateway: Gateway, user: User, reads: int = READS) -> float:
    timings = []
    with httpx.Client(base_url=gateway.url, timeout=10, headers=user.auth) as client:
        for _ in range(reads):
            started = time.monotonic()
            assert client.get("/v1/feed").status_code == 200
            timings.append(time.monotonic() - started)
    return statistics.quantiles(timings, n=100)[98]


@pytest.fixture
def reader(guarded: Gateway, new_user: Callable[..., User]) -> Iterator[User]:
    user = new_user()
    _p99_of_feed_reads(guarded, user, reads=10)  # warm: JWKS, connections to the services, the caches
    yield user


def test_a_normal_reader_is_not_slowed_beyond_the_bound_by_slow_clients(guarded: Gateway, reader: User) -> None:
    calm = _p99_of_feed_reads(guarded, reader)
    with _Slowloris(guarded.port, SLOW_CONNECTIONS):
        stormy = _p99_of_feed_reads(guarded, reader)
    print(f"\nGET /v1/feed p99: {calm * 1000:.1f} ms calm, {stormy * 1000:.1f} ms with {SLOW_CONNECTIONS} slowloris")
    assert stormy <= P99_FACTOR * calm + P99_SLACK_S, (calm, stormy)
