"""Which hours compaction takes, and how their files merge: one row per event, older files' schemas unified."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from services.common.lake_layout import event_schema
from services.lake.domain.compaction import hours_to_compact, merge

NOW = datetime(2026, 12, 7, 2, 20, tzinfo=UTC)


def test_only_closed_hours_with_parts() -> None:
    keys = [
        "events/post_liked/dt=2026-12-07/hour=00/part-a.parquet",
        "events/post_liked/dt=2026-12-07/hour=00/part-b.parquet",
        "events/post_liked/dt=2026-12-07/hour=01/part-c.parquet",  # ended 20 min ago: inside the grace
        "events/post_shared/dt=2026-12-06/hour=23/compacted.parquet",  # nothing new
        "archiver/plans/t/0.json",
    ]
    due = hours_to_compact(keys, NOW, timedelta(minutes=30))
    assert [(h.where.event_type, h.where.hour.hour, len(h.parts)) for h in due] == [("post_liked", 0, 2)]
    assert due[0].compacted_key == "events/post_liked/dt=2026-12-07/hour=00/compacted.parquet"


def test_merge_dedupes_and_unifies_an_older_schema() -> None:
    schema = event_schema("post_liked")
    when = datetime(2026, 12, 7, 0, 5, tzinfo=UTC)
    row = {"event_id": "x", "occur_time": when, "kafka_partition": 0, "kafka_offset": 1, "post_id": 1, "user_id": 2}
    current = pa.Table.from_pylist([row, {**row, "event_id": "y", "kafka_offset": 2}], schema=schema)
    # An older writer: no post_author_id column yet, and post_id as int32.
    older = pa.table(
        {
            "event_id": ["x", "z"],
            "occur_time": pa.array([when, when - timedelta(minutes=1)], pa.timestamp("us", tz="UTC")),
            "kafka_partition": pa.array([0, 1], pa.int32()),
            "kafka_offset": [1, 7],
            "post_id": pa.array([1, 3], pa.int32()),
            "user_id": [2, 4],
        }
    )
    merged = merge("post_liked", [current, older])
    assert merged.column("event_id").to_pylist() == ["z", "x", "y"]
    assert merged.schema.field("post_id").type == pa.int64()
    assert merged.column("post_author_id").to_pylist() == [None, None, None]
