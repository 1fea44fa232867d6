"""The shared-connection Redis client against the real Redis: replies matched to callers under concurrency, errors
raised to the caller that caused them, scripts reloaded, and a lost connection failing its waiters then recovering."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from services.common.polling import wait_for
from services.common.redis_mux import RedisMux, RedisMuxError, RedisReplyError, Script, pack
from stack.settings import StackSettings


@pytest.fixture
async def mux(stack_settings: StackSettings) -> AsyncIterator[RedisMux]:
    client = RedisMux(stack_settings.redis_url)
    yield client
    await client.close()


def test_commands_are_packed_as_resp_arrays() -> None:
    assert (
        pack([["SET", "k", 12], [b"GET", "k"]])
        == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    )
    with pytest.raises(TypeError):
        pack([["SET", "k", None]])


async def test_concurrent_callers_each_get_their_own_replies(mux: RedisMux) -> None:
    prefix = f"mux-{uuid.uuid4().hex[:8]}"
    await mux.execute_many([["SET", f"{prefix}:{i}", i] for i in range(200)])

    async def read(i: int) -> list[bytes | None]:
        return await mux.execute_many([["GET", f"{prefix}:{i}"], ["GET", f"{prefix}:missing"]])

    replies = await asyncio.gather(*(read(i) for i in range(200)))
    assert replies == [[str(i).encode(), None] for i in range(200)]
    assert await mux.execute("DEL", *[f"{prefix}:{i}" for i in range(200)]) == 200


async def test_an_error_reply_is_raised_and_the_connection_stays_usable(mux: RedisMux) -> None:
    with pytest.raises(RedisReplyError, match="unknown command"):
        await mux.execute("NOSUCHCOMMAND")
    assert await mux.execute("PING") == b"PONG"


async def test_a_script_the_server_lost_is_loaded_again(mux: RedisMux) -> None:
    script = Script("return {KEYS[1], ARGV[1]}")
    assert await mux.run_script(script, ["k"], [7]) == [b"k", b"7"]
    await mux.execute("SCRIPT", "FLUSH")
    assert await mux.run_script_many(script, [(["a"], [1]), (["b"], [2])]) == [[b"a", b"1"], [b"b", b"2"]]


async def test_a_lost_connection_fails_its_waiters_and_the_next_command_reconnects(mux: RedisMux) -> None:
    name = f"mux-{uuid.uuid4().hex[:8]}"
    await mux.execute("CLIENT", "SETNAME", name)
    blocked = asyncio.ensure_future(mux.execute("BLPOP", f"{name}:never", 5))
    killer = RedisMux(mux_url(mux))
    try:
        async with asyncio.timeout(5):
            fields = await wait_for(
                lambda: client_fields(killer, name), is_blocked, what=f"client {name} blocked in its BLPOP"
            )
            assert await killer.execute("CLIENT", "KILL", "SKIPME", "yes", "ID", fields["id"]) == 1
            with pytest.raises(RedisMuxError):
                await blocked
    finally:
        await killer.close()
    assert await mux.execute("PING") == b"PONG"


async def test_a_connection_made_after_a_lost_one_is_announced(stack_settings: StackSettings) -> None:
    came_back: list[int] = []
    client = RedisMux(stack_settings.redis_url, on_reconnect=lambda: came_back.append(client.connections))
    killer = RedisMux(stack_settings.redis_url)
    try:
        name = f"mux-{uuid.uuid4().hex[:8]}"
        await client.execute("CLIENT", "SETNAME", name)
        assert came_back == []  # the first connection is no comeback
        fields = await client_fields(killer, name)
        assert await killer.execute("CLIENT", "KILL", "ID", fields["id"]) == 1
        async with asyncio.timeout(5):
            while True:  # the loss is seen by the next command, or by the one after it
                try:
                    assert await client.execute("PING") == b"PONG"
                    break
                except RedisMuxError:
                    continue
        assert came_back == [2]
    finally:
        await client.close()
        await killer.close()


async def test_an_unreachable_redis_is_an_error_not_a_hang() -> None:
    client = RedisMux("redis://127.0.0.1:1/0", connect_timeout=2)
    with pytest.raises(RedisMuxError, match="cannot reach"):
        await client.execute("PING")


def mux_url(mux: RedisMux) -> str:
    return f"redis://{mux.host}:{mux.port}/{mux.db}"


async def client_fields(client: RedisMux, name: str) -> dict[str, str]:
    """The CLIENT LIST fields of the connection named `name` ({} when there is none)."""
    listing = (await client.execute("CLIENT", "LIST")).decode()
    for line in listing.splitlines():
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        if fields.get("name") == name:
            return fields
    return {}


def is_blocked(fields: dict[str, str]) -> bool:
    """A connection waiting in a blocking command (flag `b`)."""
    return "b" in fields.get("flags", "")
