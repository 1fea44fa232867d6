"""How long the lake keeps its events: every file of an hour that ended more than the retention ago goes. The
longest reader decides the retention: training reads 14 days of impressions with 30 days of features before them,
and an experiment's report reads the days it covers."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.common.lake_layout import parse_hour_dir


def expired(keys: list[str], now: datetime, keep: timedelta) -> list[str]:
    """The event files (under events/) of hours that ended more than `keep` before `now`, oldest hour first."""
    old: list[tuple[datetime, str]] = []
    for key in keys:
        where = parse_hour_dir(key)
        if where is not None and key.endswith(".parquet") and where.hour + timedelta(hours=1) + keep <= now:
            old.append((where.hour, key))
    return [key for _, key in sorted(old)]
