"""A small, known history for the feature and label tests: frames shaped like the lake's (lake_layout columns)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pyarrow as pa

from services.common.lake_layout import event_schema
from services.training.domain.events import EVENT_TYPES, History, history

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def frames(**rows: list[dict[str, Any]]) -> dict[str, pl.DataFrame]:
    """Every type the features read, with the given rows (each needs occur_time; event_id is made up)."""
    out = {}
    for kind in EVENT_TYPES:
        schema = event_schema(kind)
        given = [
            {"event_id": f"{kind}-{n}", "kafka_partition": 0, "kafka_offset": n, **row}
            for n, row in enumerate(rows.get(kind, []))
        ]
        frame = pl.from_arrow(pa.Table.from_pylist(given, schema=schema))
        assert isinstance(frame, pl.DataFrame)
        out[kind] = frame
    return out


def make(**rows: list[dict[str, Any]]) -> History:
    return history(frames(**rows))
