"""64-bit, time-ordered ids: 41 bits of milliseconds since 2026-01-01, 10 bits of worker, 12 bits of sequence.

A later id is larger (within one worker strictly; across workers to the millisecond), so ids double as the
newest-first sort key of every timeline. Uniqueness across processes comes from distinct worker ids (leased at
start, see each service's wiring); across restarts from the clock: the generator never reuses a millisecond it
has issued, and waits out a clock that steps backwards instead of issuing duplicates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_WORKER = (1 << WORKER_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1


def id_time_ms(snowflake: int) -> int:
    """The Unix time in milliseconds at which an id was issued."""
    return (snowflake >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS


def min_id_at(unix_ms: int) -> int:
    """The smallest id that could be issued at `unix_ms`: a bound for time-range scans."""
    return max(unix_ms - EPOCH_MS, 0) << (WORKER_BITS + SEQUENCE_BITS)


class IdGenerator:
    def __init__(self, worker_id: int, clock_ms: Callable[[], int] | None = None):
        if not 0 <= worker_id <= MAX_WORKER:
            raise ValueError(f"worker id must be in 0..{MAX_WORKER}, got {worker_id}")
        self.worker_id = worker_id
        self._clock = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._last_ms = -1
        self._sequence = 0
        self._lock = threading.Lock()

    def next_id(self) -> int:
        with self._lock:
            now = self._clock()
            while now < self._last_ms:  # the clock stepped back: wait rather than risk a duplicate
                time.sleep((self._last_ms - now) / 1000)
                now = self._clock()
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & MAX_SEQUENCE
                if self._sequence == 0:  # 4096 ids this millisecond: move to the next one
                    while now <= self._last_ms:
                        now = self._clock()
            else:
                self._sequence = 0
            self._last_ms = now
            return (
                ((now - EPOCH_MS) << (WORKER_BITS + SEQUENCE_BITS)) | (self.worker_id << SEQUENCE_BITS) | self._sequence
            )
