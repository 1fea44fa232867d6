"""A lean Redis client for hot paths: one connection shared by every caller of the process, commands pipelined.

redis-py spends about 80 us of Python per command (pool checkout, retry wrapper, encoder, packing, release): more
than a feed read's whole Redis work. Here a command is packed into a buffer, written with whatever other callers
sent in the same loop iteration, and answered in order from one hiredis reader, at a fraction of that cost. Redis
answers one connection's commands in the order sent, so replies are matched to waiters first in, first out.

What it does not do: pub/sub, blocking commands, transactions (MULTI on a shared connection would interleave).
The services keep redis-py (services.common.redis) for those and for everything not on a hot path.

A lost connection fails the commands waiting on it (`RedisMuxError`: the caller's request fails, as with any
Redis outage) and the next command reconnects.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import pathlib
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote, urlparse

import hiredis

from services.common.client_spans import client_span
from services.common.redis_sentinel import SentinelTarget


class RedisMuxError(Exception):
    """The command could not be answered: connection lost, or Redis unreachable."""


class RedisReplyError(Exception):
    """Redis answered the command with an error."""


class NoScript(RedisReplyError):
    """EVALSHA of a script the server does not have (restarted, or SCRIPT FLUSH)."""


@dataclass(frozen=True)
class Script:
    """A Lua script run by its SHA (EVALSHA); `run_scripts` loads it into a Redis that does not have it."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())


def load_script(package_file: str, name: str) -> Script:
    """A `.lua` file kept beside an adapter module, in `lua/`, so Lua stays readable as Lua. Called when the adapter
    is built, never at import."""
    return Script((pathlib.Path(package_file).parent / "lua" / name).read_text())


Command = Sequence[Any]


def pack(commands: Sequence[Command]) -> bytes:
    """RESP arrays of bulk strings, one per command (str, bytes, int or float arguments; anything else is a
    TypeError). Every hot-path command is packed, so in C (hiredis)."""
    return b"".join([hiredis.pack_command(tuple(command)) for command in commands])


def _checked(reply: Any) -> Any:
    if isinstance(reply, hiredis.ReplyError):
        message = str(reply)
        if message.startswith("NOSCRIPT"):
            raise NoScript(message)
        raise RedisReplyError(message)
    return reply


class _Waiter:
    __slots__ = ("future", "remaining", "replies")

    def __init__(self, future: asyncio.Future[list[Any]], count: int):
        self.future = future
        self.remaining = count
        self.replies: list[Any] = []


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reader = hiredis.Reader()
        self.waiters: collections.deque[_Waiter] = collections.deque()
        self.closed = False
        # Commands packed since the last flush: written once per loop iteration, so the callers that run in one
        # iteration (requests resumed by the same batch of replies) share one send() instead of one each.
        self.outgoing: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport, though not always an asyncio.Transport subclass (uvloop's TCPTransport is not).
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            waiter = self.waiters[0]
            waiter.replies.append(reply)
            waiter.remaining -= 1
            if waiter.remaining == 0:
                self.waiters.popleft()
                if not waiter.future.done():  # a caller that gave up still had its replies read, in order
                    waiter.future.set_result(waiter.replies)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.outgoing = []
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.future.done():
                waiter.future.set_exception(RedisMuxError(f"Redis connection lost: {exc or 'closed'}"))

    def send(self, commands: Sequence[Command]) -> asyncio.Future[list[Any]]:
        if self.closed or self.transport is None:
            raise RedisMuxError("Redis connection closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        if not self.outgoing:
            loop.call_soon(self._flush)
        self.outgoing.append(pack(commands))
        self.waiters.append(_Waiter(future, len(commands)))
        return future

    def _flush(self) -> None:
        outgoing, self.outgoing = self.outgoing, []
        if self.transport is not None and not self.closed:  # lost meanwhile: connection_lost failed the waiters
            self.transport.write(b"".join(outgoing))


class RedisMux:
    """`sentinel`: ask the sentinels for the primary at every (re)connect (services.common.redis_sentinel); the
    URL's host and port are then not used. `on_reconnect`: called when a connection is made after an earlier one was
    lost (Redis may have restarted or failed over, and writes made while it was unreachable may not have reached it)."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 5.0,
        sentinel: SentinelTarget | None = None,
        on_reconnect: Callable[[], None] | None = None,
    ):
        parsed = urlparse(url)
        if parsed.scheme != "redis":
            raise ValueError(f"unsupported Redis URL scheme: {parsed.scheme!r}")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 6379
        self.db = int(parsed.path.lstrip("/") or 0)
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password) if parsed.password else None
        self.connect_timeout = connect_timeout
        self.sentinel = sentinel
        self._connection: _Connection | None = None
        self._connecting = asyncio.Lock()
        self.on_reconnect = on_reconnect
        self.connections = 0  # made so far

    async def _connected(self) -> _Connection:
        connection = self._connection
        if connection is not None and not connection.closed:
            return connection
        async with self._connecting:
            if self._connection is None or self._connection.closed:
                self._connection = await self._connect()
            return self._connection

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        if self.sentinel is not None:
            try:
                self.host, self.port = await self.sentinel.primary()
            except ConnectionError as exc:
                raise RedisMuxError(str(exc)) from exc
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(_Connection, self.host, self.port), self.connect_timeout
            )
        except (OSError, TimeoutError) as exc:
            raise RedisMuxError(f"cannot reach Redis at {self.host}:{self.port}: {exc}") from exc
        setup: list[Command] = []
        if self.password is not None:
            setup.append(["AUTH", self.username, self.password] if self.username else ["AUTH", self.password])
        if self.db:
            setup.append(["SELECT", self.db])
        if setup:
            for reply in await connection.send(setup):
                _checked(reply)
        self.connections += 1
        if self.connections > 1 and self.on_reconnect is not None:
            self.on_reconnect()
        return connection

    async def execute_many(self, commands: Sequence[Command]) -> list[Any]:
        """Sends the commands together; their replies in order, an error reply raised."""
        if not commands:
            return []
        with client_span("redis", commands[0][0], batch_size=len(commands)):
            connection = await self._connected()
            return [_checked(r) for r in await connection.send(commands)]

    async def execute(self, *command: Any) -> Any:
        (reply,) = await self.execute_many([command])
        return reply

    async def run_script(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        (reply,) = await self.run_script_many(script, [(keys, args)])
        return reply

    async def run_script_many(self, script: Script, calls: Sequence[tuple[Sequence[Any], Sequence[Any]]]) -> list[Any]:
        """One script run many times in one round trip (see run_scripts)."""
        return await self.run_scripts([(script, keys, args) for keys, args in calls])

    async def run_scripts(
        self, calls: Sequence[tuple[Script, Sequence[Any], Sequence[Any]]], then: Sequence[Command] = ()
    ) -> list[Any]:
        """Scripts run in order in one round trip, and `then`, plain commands run after them in the same round trip
        (their replies follow the scripts'). A Redis that lost its scripts is given them and asked again (so a
        script run this way, and `then`, must be safe to repeat)."""
        commands = [*(["EVALSHA", script.sha, len(keys), *keys, *args] for script, keys, args in calls), *then]
        try:
            return await self.execute_many(commands)
        except NoScript:
            for source in dict.fromkeys(script.source for script, _, _ in calls):
                await self.execute("SCRIPT", "LOAD", source)
            return await self.execute_many(commands)

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and connection.transport is not None:
            connection.transport.close()
