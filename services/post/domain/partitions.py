"""The monthly partitions of post.posts: their names and id bounds.

post.posts is partitioned by RANGE on the id. Ids are time-ordered (services.common.ids), so the ids issued in a
UTC month form one contiguous range: [min_id_at(first millisecond of the month), min_id_at(first of the next)).
Months before the id epoch map to the empty range at 0. schema/postgres/0030_post.sql computes the same bounds for
the months it creates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.common.ids import min_id_at

TABLE = "post.posts"
DEFAULT_PARTITION = "posts_default"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _unix_ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


@dataclass(frozen=True)
class MonthPartition:
    """One month's partition: its table name (in schema `post`) and the id range [lower_id, upper_id)."""

    month: dt.date
    name: str
    lower_id: int
    upper_id: int


def month_partition(day: dt.date) -> MonthPartition:
    first = month_start(day)
    return MonthPartition(
        month=first,
        name=f"posts_{first.year:04d}_{first.month:02d}",
        lower_id=min_id_at(_unix_ms(first)),
        upper_id=min_id_at(_unix_ms(add_months(first, 1))),
    )


def partitions_ahead(today: dt.date, months_ahead: int) -> list[MonthPartition]:
    """The partitions that should exist now: this month and the next `months_ahead` ones."""
    if months_ahead < 0:
        raise ValueError(f"months_ahead must be >= 0, got {months_ahead}")
    first = month_start(today)
    return [month_partition(add_months(first, i)) for i in range(months_ahead + 1)]
