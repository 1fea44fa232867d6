"""argon2id password hashing (argon2-cffi), off the event loop.

Hashing and verifying take tens of milliseconds of CPU and `memory_kib` of RAM each, so they run in worker threads
(argon2-cffi releases the GIL), at most `concurrency` at a time: a burst of logins queues here instead of
exhausting memory or starving the event loop. A thread cannot be stopped, so a caller that gives up (its deadline)
leaves its slot taken until the hash it started ends; otherwise each abandoned hash let one more start beside it.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from prometheus_client import Histogram

T = TypeVar("T")

HASH_SECONDS = Histogram(
    "feedmesh_auth_password_hash_seconds",
    "Time spent in argon2 hashing or verification, queueing included",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


class Argon2Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int, concurrency: int):
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._running: set[asyncio.Task[Any]] = set()
        self._dummy_hash: str | None = None

    async def _in_slot(self, work: Callable[[], T]) -> T:
        """`work()` in a worker thread once a slot is free; the slot stays taken until it returns, even when the
        caller stops waiting."""

        async def run() -> T:
            async with self._slots:
                return await asyncio.to_thread(work)

        task = asyncio.create_task(run())
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def hash(self, password: str) -> str:
        started = time.perf_counter()
        hashed = await self._in_slot(lambda: self._hasher.hash(password))
        HASH_SECONDS.labels("hash").observe(time.perf_counter() - started)
        return hashed

    async def verify(self, password_hash: str, password: str) -> bool:
        started = time.perf_counter()
        try:
            return await self._in_slot(lambda: self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False
        finally:
            HASH_SECONDS.labels("verify").observe(time.perf_counter() - started)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return False

    async def verify_nothing(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    async def warm_up(self) -> None:
        """Computes the dummy hash now, so the first login of an unknown handle is not slower than the rest."""
        await self.verify_nothing("")
