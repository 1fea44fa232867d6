"""Password hashing holds a slot until its thread is done: callers that give up cannot make more hashes (each with
its 64 MiB) run at once than `concurrency`."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from services.auth.adapters.passwords import Argon2Passwords


class SlowHasher:
    """Stands in for argon2's hasher: each hash takes a while in its thread and counts how many run at once."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.done = 0

    def hash(self, password: str) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
            self.done += 1
        return f"hashed:{password}"


async def test_abandoned_hashes_keep_their_slot_until_their_thread_ends() -> None:
    passwords = Argon2Passwords(time_cost=1, memory_kib=64, parallelism=1, concurrency=1)
    hasher = SlowHasher(0.2)
    passwords._hasher = hasher  # type: ignore[assignment]
    for i in range(4):  # callers whose deadline ends while their hash runs
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(passwords.hash(f"p{i}"), timeout=0.02)
    assert await passwords.hash("kept") == "hashed:kept"
    deadline = time.monotonic() + 5
    while hasher.done < 5:
        assert time.monotonic() < deadline, "the abandoned hashes never ended"
        await asyncio.sleep(0.01)
    assert hasher.most == 1
