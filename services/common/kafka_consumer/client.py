"""The librdkafka configuration of a consumer-group member, and where librdkafka's errors and logs go.

The member commits itself, after its handler (at least once): neither offsets nor commits are automatic. The group
rebalances eagerly (`range`): every member gives up all its partitions and gets a new set, which is what the
runtime's rebalance callbacks (runner.py) expect; `cooperative-sticky` would hand out and take back partitions
one by one (incremental_assign), for little gain with groups of a few members per process.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from confluent_kafka import KafkaError

from services.common.kafka import LOG_EVERY_SECONDS

log = logging.getLogger(__name__)


def consumer_config(
    *,
    bootstrap: str,
    group: str,
    member: str,
    offset_reset: str,
    fetch_min_bytes: int,
    fetch_max_wait_ms: int,
    errors: ThrottledErrors,
) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": member,
        # At least once: the runner commits a batch's offsets itself once its handler returned.
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        # Where a partition without a committed offset starts; the runner resolves and commits that start itself
        # when it is assigned one (runner.py), so this only applies to an offset gone out of range.
        "auto.offset.reset": offset_reset,
        # A dead member's partitions move to another after 10 s; heartbeats come from librdkafka's own thread.
        "session.timeout.ms": 10_000,
        "heartbeat.interval.ms": 1_000,
        # A member whose handler holds one batch longer than this leaves the group (its partitions are redone).
        "max.poll.interval.ms": 120_000,
        "partition.assignment.strategy": "range",
        # The broker answers a fetch once it has this many bytes for the member, or after this long: a member that
        # would rather handle fewer, larger batches waits for them.
        "fetch.min.bytes": fetch_min_bytes,
        "fetch.wait.max.ms": fetch_max_wait_ms,
        # librdkafka prefetches up to this much per member (its default is 64 MB): a few thousand small events are
        # plenty ahead of handlers that take a few hundred at a time.
        "queued.max.messages.kbytes": 4096,
        # The end of a partition is not news (no _PARTITION_EOF messages).
        "enable.partition.eof": False,
        # librdkafka logs each failed connection attempt, several a second while Kafka is down: its errors reach
        # the log through `errors`, at most one per kind per LOG_EVERY_SECONDS; only its critical lines are logged
        # directly, through Python logging rather than raw on stderr.
        "log_level": 2,
        "logger": logging.getLogger("librdkafka"),
        "error_cb": errors,
    }


class ThrottledErrors:
    """librdkafka's client-wide errors for one member (a broker that does not answer, ...), logged at most once per
    kind per LOG_EVERY_SECONDS. librdkafka retries them itself; a member that cannot reach Kafka just gets no
    records meanwhile."""

    def __init__(self, member: str):
        self.member = member
        self._logged_at: dict[int, float] = {}  # error code -> when it was last logged

    def __call__(self, err: KafkaError) -> None:
        now = time.monotonic()
        if now - self._logged_at.get(err.code(), -LOG_EVERY_SECONDS) < LOG_EVERY_SECONDS:
            return
        self._logged_at[err.code()] = now
        log.warning("kafka consumer error", extra={"member": self.member, "error": err.str()})
