"""What the archiver holds in memory between uploads, and which objects a flush writes.

Each Kafka partition has its own buffer of rows, in offset order. A flush takes a contiguous run of offsets from a
partition (everything since its last upload) and writes one Parquet object per (event type, hour) in that run, all
named after the run's first and last offsets. Before the objects, it writes the run as the partition's plan; a
process that crashed before committing the offsets reads the plan back and ends its first run at the same offset,
so the replay writes the very objects the crash left behind (overwriting them) instead of differently cut copies.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.common.lake_layout import hour_dir, part_name

PLANS_PREFIX = "archiver/plans"


@dataclass(frozen=True, slots=True)
class Row:
    """One event, as its type's row, and where it came from."""

    event_type: str
    hour: datetime
    offset: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Run:
    """A partition's contiguous rows written in one flush."""

    topic: str
    partition: int
    rows: list[Row]

    @property
    def first(self) -> int:
        return self.rows[0].offset

    @property
    def last(self) -> int:
        return self.rows[-1].offset

    def plan(self) -> Plan:
        return Plan(self.topic, self.partition, self.first, self.last)

    def objects(self) -> dict[str, tuple[str, list[dict[str, Any]]]]:
        """Object key -> (event type, rows): one object per event type and hour of the run."""
        grouped: dict[tuple[str, datetime], list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows:
            grouped[(row.event_type, row.hour)].append(row.values)
        name = part_name(self.topic, self.partition, self.first, self.last)
        return {f"{hour_dir(kind, hour)}/{name}": (kind, rows) for (kind, hour), rows in grouped.items()}


@dataclass(frozen=True, slots=True)
class Plan:
    """The run a partition's flush is about to write, stored before its objects."""

    topic: str
    partition: int
    first: int
    last: int

    def to_json(self) -> str:
        return json.dumps({"topic": self.topic, "partition": self.partition, "first": self.first, "last": self.last})

    @classmethod
    def from_json(cls, text: str) -> Plan:
        raw = json.loads(text)
        return cls(str(raw["topic"]), int(raw["partition"]), int(raw["first"]), int(raw["last"]))


def plan_key(topic: str, partition: int) -> str:
    return f"{PLANS_PREFIX}/{topic}/{partition}.json"


@dataclass
class PartitionBuffer:
    topic: str
    partition: int
    rows: list[Row] = field(default_factory=list)
    # The plan a crashed predecessor left for the run this buffer starts with: end the run at `plan.last`.
    plan: Plan | None = None

    def add(self, row: Row) -> None:
        """Appends a row; a row at or before the last one held means the consumer went back (a rebalance or a
        retry): the rows from there on are dropped, since they come again."""
        if self.rows and row.offset <= self.rows[-1].offset:
            self.rows = [r for r in self.rows if r.offset < row.offset]
        self.rows.append(row)

    def take(self, *, force: bool) -> Run | None:
        """The run to write now, removed from the buffer. A plan that starts where the buffer does holds the run
        back until its last offset is in, and cuts the run there; `force` (the pipeline is full, or the process is
        stopping) writes what is held even so. A plan that does not start here is stale and dropped."""
        if not self.rows:
            return None
        plan = self.plan
        if plan is not None and plan.first != self.rows[0].offset:
            plan = self.plan = None
        if plan is None or (force and self.rows[-1].offset < plan.last):
            taken, self.rows = self.rows, []
        elif self.rows[-1].offset < plan.last:
            return None
        else:
            taken = [r for r in self.rows if r.offset <= plan.last]
            self.rows = self.rows[len(taken) :]
        self.plan = None
        return Run(self.topic, self.partition, taken)

    def restore(self, run: Run) -> None:
        """Puts a run whose upload failed back in front (with its plan, which was written before the failure)."""
        self.rows = [*run.rows, *(r for r in self.rows if r.offset > run.last)]
        self.plan = run.plan()
