"""What the timeline's Redis adapters share: one script run for many calls, and replies decoded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.common.redis_mux import RedisMux, Script

ScriptCall = tuple[Sequence[str], Sequence[Any]]
"""A script's keys and arguments."""

ScriptRun = tuple[Script, Sequence[str], Sequence[Any]]
"""A script with its keys and arguments, to run with others in one round trip (RedisMux.run_scripts)."""


async def run_batched(mux: RedisMux, script: Script, calls: Sequence[ScriptCall], at_once: int) -> list[Any]:
    """Runs one script for every call, in one round trip or `at_once` calls at a time (0: all at once). Redis serves
    its clients in turns, each turn what one client sent (up to 16 KB): a bulk client that sends a few calls at a time
    lets the others in between its calls, not only between its batches."""
    if not at_once or len(calls) <= at_once:
        return await mux.run_script_many(script, calls)
    replies: list[Any] = []
    for start in range(0, len(calls), at_once):
        replies += await mux.run_script_many(script, calls[start : start + at_once])
    return replies


def as_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def as_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def flags(reply: Any) -> list[bool]:
    """A script's one-character-per-item answer ('1' yes, '0' no) as booleans."""
    return [c == 49 for c in as_bytes(reply)]  # 49: ord("1")
