"""Compaction of the lake's closed hours: which hours to compact, and how their files merge.

An hour is closed `grace` after it ends (late events still arrive for a while: consumer lag, replays). Its parts,
and the compacted file of an earlier pass if there is one, merge into one `compacted.parquet`, written before the
parts are deleted; a reader that sees both for a moment dedupes on event_id, and one that lists a part compaction
then deletes lists again (services/common/lake_reader.py). A part that lands after a pass (a late event) is merged
by the next one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
import pyarrow as pa

from services.common.lake_layout import COMPACTED_NAME, HourDir, event_schema, parse_hour_dir


@dataclass(frozen=True, slots=True)
class HourToCompact:
    where: HourDir
    keys: list[str]  # every Parquet object of the hour, the previous compacted file included

    @property
    def compacted_key(self) -> str:
        return f"{self.where.path}/{COMPACTED_NAME}"

    @property
    def parts(self) -> list[str]:
        """What the pass deletes once the compacted file is written."""
        return [k for k in self.keys if k != self.compacted_key]


def hours_to_compact(keys: list[str], now: datetime, grace: timedelta) -> list[HourToCompact]:
    """The closed hours that have parts, oldest first."""
    by_hour: dict[str, list[str]] = defaultdict(list)
    hours: dict[str, HourDir] = {}
    for key in keys:
        where = parse_hour_dir(key)
        if where is None or not key.endswith(".parquet"):
            continue
        hours[where.path] = where
        by_hour[where.path].append(key)
    due = []
    for path, found in by_hour.items():
        where = hours[path]
        candidate = HourToCompact(where, sorted(found))
        if where.hour + timedelta(hours=1) + grace <= now and candidate.parts:
            due.append(candidate)
    return sorted(due, key=lambda h: (h.where.hour, h.where.event_type))


def merge(event_type: str, tables: list[pa.Table]) -> pa.Table:
    """One table of the hour: the current schema (older files' missing columns as nulls, widened types cast), each
    event once, in event time then offset order."""
    unified = pa.concat_tables([event_schema(event_type).empty_table(), *tables], promote_options="permissive")
    frame = pl.from_arrow(unified)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.unique(subset="event_id", keep="first", maintain_order=True)
    return frame.sort(["occur_time", "kafka_partition", "kafka_offset"], nulls_last=True).to_arrow()
