"""Which event files the lake's retention drops: every file of an hour that ended more than the retention ago,
nothing outside events/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.common.lake_layout import hour_dir
from services.lake.domain.retention import expired

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
KEEP = timedelta(days=90)


def _file(event_type: str, hour: datetime, name: str) -> str:
    return f"{hour_dir(event_type, hour)}/{name}"


def test_hours_that_ended_before_the_retention_go_and_the_rest_stays() -> None:
    limit = NOW - KEEP  # an hour that ended by then goes
    gone = [
        _file("feed_impression", limit - timedelta(days=10), "compacted.parquet"),
        _file("post_liked", limit - timedelta(hours=2), "compacted.parquet"),
        _file("post_liked", limit - timedelta(hours=1), "part-a.parquet"),  # ends exactly at the limit
    ]
    kept = [
        _file("post_liked", limit, "part-b.parquet"),  # ends an hour after the limit
        _file("feed_impression", NOW - timedelta(hours=1), "part-c.parquet"),
        "archiver/plans/t/0.json",
        "datasets/ranking/20260101T000000Z/training.parquet",
    ]
    assert expired(kept + list(reversed(gone)), NOW, KEEP) == gone
    assert expired(gone + kept, NOW, timedelta(days=400)) == []
