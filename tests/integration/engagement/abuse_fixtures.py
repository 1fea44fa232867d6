"""Shared pieces of the anti-abuse tests: user ids of a chosen age, and the clean-up of their Redis keys."""

from __future__ import annotations

import random
import time
from typing import Any

from services.common.ids import SEQUENCE_BITS, WORKER_BITS, min_id_at

DAY = 86_400


def user_id_aged(seconds: float) -> int:
    """An id issued `seconds` ago, random below the millisecond so each test has users of its own."""
    issued_ms = int((time.time() - seconds) * 1000)
    return min_id_at(issued_ms) | random.getrandbits(WORKER_BITS + SEQUENCE_BITS)


def forget_users(redis_client: Any, *user_ids: int) -> None:
    """Deletes the users' anti-abuse keys (they would expire on their own within a day)."""
    for user_id in user_ids:
        keys = list(redis_client.scan_iter(match=f"eng:{{{user_id}}}:*"))
        if keys:
            redis_client.delete(*keys)
