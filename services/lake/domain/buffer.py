"""What the archiver holds in memory between uploads, and which objects a flush writes.

Each Kafka partition has its own buffer of rows, in offset order. A flush takes a contiguous run of offsets from a
partition (everything since its last upload) and writes one Parquet object per (event type, hour) in that run, all
named after the run's first and last offsets. Before the objects, it writes the partition's plan: its newest runs. A
consumer that goes back to an older commit (a crash, a rebalance, a commit refused while Kafka was away) starts again
at the first offset of one of those runs; the buffer then ends its run at the same offset, so the replay writes the
very objects written before (overwriting them) instead of differently cut copies.
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

    def objects(self) -> dict[str, tuple[str, list[dict[str, Any]]]]:
        """Object key -> (event type, rows): one object per event type and hour of the run."""
        grouped: dict[tuple[str, datetime], list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows:
            grouped[(row.event_type, row.hour)].append(row.values)
        name = part_name(self.topic, self.partition, self.first, self.last)
        return {f"{hour_dir(kind, hour)}/{name}": (kind, rows) for (kind, hour), rows in grouped.items()}


RUNS_REMEMBERED = 64  # a partition's newest runs kept in its plan: enough for commits that lag many flushes behind


@dataclass(frozen=True, slots=True)
class Plan:
    """A partition's newest runs (first offset -> last offset, oldest first), stored before a flush's objects."""

    topic: str
    partition: int
    runs: dict[int, int]

    def to_json(self) -> str:
        runs = [[first, last] for first, last in self.runs.items()]
        return json.dumps({"topic": self.topic, "partition": self.partition, "runs": runs})

    @classmethod
    def from_json(cls, text: str) -> Plan:
        raw = json.loads(text)
        return cls(str(raw["topic"]), int(raw["partition"]), {int(f): int(last) for f, last in raw.get("runs", [])})


def plan_key(topic: str, partition: int) -> str:
    return f"{PLANS_PREFIX}/{topic}/{partition}.json"


@dataclass
class PartitionBuffer:
    topic: str
    partition: int
    rows: list[Row] = field(default_factory=list)
    # Runs written already, by this process or a predecessor (its plan): a run that starts again at one of their
    # first offsets (the consumer went back to an older commit) ends where that one did, so it overwrites the same
    # objects instead of adding differently cut copies.
    runs: dict[int, int] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        """Appends a row; a row at or before the last one held means the consumer went back (a rebalance or a
        retry): the rows from there on are dropped, since they come again."""
        if self.rows and row.offset <= self.rows[-1].offset:
            self.rows = [r for r in self.rows if r.offset < row.offset]
        self.rows.append(row)

    def take(self, *, force: bool) -> Run | None:
        """The run to write now, removed from the buffer. A run written before from the same first offset holds this
        one back until its last offset is in, and cuts it there; `force` (the consumer's pipeline is full) writes what
        is held even so."""
        if not self.rows:
            return None
        known = self.runs.get(self.rows[0].offset)
        if known is None or (force and self.rows[-1].offset < known):
            taken, self.rows = self.rows, []
        elif self.rows[-1].offset < known:
            return None
        else:
            taken = [r for r in self.rows if r.offset <= known]
            self.rows = self.rows[len(taken) :]
        run = Run(self.topic, self.partition, taken)
        self.runs.pop(run.first, None)
        self.runs[run.first] = run.last
        while len(self.runs) > RUNS_REMEMBERED:
            del self.runs[next(iter(self.runs))]
        return run

    def take_all(self, *, force: bool) -> list[Run]:
        """Every run that may be written now: after a replayed run, the rest of what is held."""
        taken = []
        while (run := self.take(force=force)) is not None:
            taken.append(run)
        return taken

    def plan(self) -> Plan:
        return Plan(self.topic, self.partition, dict(self.runs))

    def restore(self, run: Run) -> None:
        """Puts a run whose upload failed back in front (it stays among the runs: its plan may be stored)."""
        self.rows = [*run.rows, *(r for r in self.rows if r.offset > run.last)]
