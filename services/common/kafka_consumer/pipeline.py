"""Pipelined batches of one member (`pipeline_depth` > 0).

A handler may return what is left of its batch, still running (an awaitable: e.g. durable writes behind what
readers already see); the member polls and handles the next batches meanwhile, up to `pipeline_depth` batches
unfinished, and commits each batch once it and every batch before it finished, in order. When a batch's rest fails
(or a handler does), the member waits for all unfinished batches, commits those that finished before the failed
one, seeks every partition of the failed batch and of those after it back to their first uncommitted event, holds
them for the retry delay, and handles batches one at a time (with the retries and poison rules of the unpipelined
member) until each of those partitions passed once: batches after the failed one were handled already, so their
partitions' events run again (idempotent handlers), and no commit ever passes a batch that did not finish.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.common.kafka_consumer.member import Member
from services.common.kafka_consumer.poison import PoisonRoute

log = logging.getLogger(__name__)


@dataclass
class _Unfinished:
    """A pipelined batch whose rest is still running."""

    batch: dict[TopicPartition, list[Any]]
    rest: concurrent.futures.Future[None]
    started: float


class Pipeline:
    """The batches of one member that were handled and whose rest still runs, oldest first."""

    def __init__(self, runner: Member, depth: int, poison: PoisonRoute):
        self.runner = runner
        self.depth = depth
        self.poison = poison
        self.unfinished: deque[_Unfinished] = deque()
        # Partitions rewound after a failure: batches run one at a time until each of them passed once.
        self.rewound: set[TopicPartition] = set()

    def takes_next(self) -> bool:
        """Whether the next batch runs pipelined."""
        return bool(self.depth) and not self.rewound

    def passed(self, tp: TopicPartition) -> None:
        self.rewound.discard(tp)

    def keep_assigned(self, consumer: KafkaConsumer) -> None:
        """Forgets rewound partitions the member no longer reads (revoked in a rebalance)."""
        if self.rewound:
            self.rewound &= consumer.assignment()

    def add(
        self, consumer: KafkaConsumer, batch: dict[TopicPartition, list[Any]], records: list[Any], started: float
    ) -> None:
        """Runs the handler on the batch; its rest joins the unfinished ones (settled at once if it failed)."""
        runner = self.runner
        rest = runner.start_handler(records)
        failed = rest.done() and rest.exception() is not None
        if failed:
            log.error("batch failed", exc_info=rest.exception(), extra={"member": runner.member, "n": len(records)})
        if runner.killed:
            return
        self.unfinished.append(_Unfinished(batch, rest, started))
        self.settle(consumer, wait=failed)

    def settle(self, consumer: KafkaConsumer, *, wait: bool) -> None:
        """Commits the unfinished batches that finished, in order; waits for them with `wait`, or for the oldest
        while more than `depth` are unfinished. A failure rewinds (`_rewind`)."""
        runner = self.runner
        while self.unfinished:
            oldest = self.unfinished[0]
            if not (wait or oldest.rest.done() or len(self.unfinished) > self.depth):
                return
            try:
                oldest.rest.result()
            except Exception:
                log.exception("a batch's rest failed", extra={"member": runner.member})
                runner.metrics.failed_batches.labels(runner.group).inc()
                self._rewind(consumer)
                return
            self.unfinished.popleft()
            runner.last_success = time.monotonic()
            runner.metrics.batches.labels(runner.group).observe(time.perf_counter() - oldest.started)
            if runner.killed:
                return
            runner.commit(consumer, oldest.batch)
            for tp in oldest.batch:
                self.poison.passed(tp)

    def drop(self) -> None:
        """Forgets the unfinished batches: they are redone from the last commit."""
        self.unfinished.clear()

    def _rewind(self, consumer: KafkaConsumer) -> None:
        """The oldest unfinished batch failed: once the others are over, every partition they touched goes back to
        its first event in them and is held; batches then run one at a time (`rewound`)."""
        first: dict[TopicPartition, int] = {}
        for unfinished in self.unfinished:
            with contextlib.suppress(Exception):
                unfinished.rest.result()  # whatever its outcome, it runs again
            for tp, part in unfinished.batch.items():
                first.setdefault(tp, part[0].offset)
        self.unfinished.clear()
        self.runner.hold(consumer, first)
        self.rewound.update(first)  # a revoked one leaves it at the next poll
