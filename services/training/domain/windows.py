"""Point-in-time aggregates with as-of joins instead of loops over rows: for each query row (keys, `at`), the sum of
an event column over the events with the same keys in [at - window, at), and the latest state before `at`. Events
at exactly `at` are not counted: a training row sees only what happened before its impression."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import polars as pl

_ROW = "_row"
_CUM = "_cum"


def _asof(queries: pl.DataFrame, right: pl.DataFrame, left_on: str, keys: Sequence[str], value: str) -> pl.Series:
    """`value` of the latest `right` row with the same keys strictly before `left_on`; null when there is none. The
    result is in the queries' order."""
    left = queries.select(_ROW, *keys, left_on).sort(left_on)
    joined = left.join_asof(
        right.sort("t"),
        left_on=left_on,
        right_on="t",
        by=list(keys),
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,  # sorted by time overall, hence within every group
    )
    return joined.sort(_ROW)[value]


def windowed_sums(
    queries: pl.DataFrame,
    events: pl.DataFrame,
    *,
    keys: Mapping[str, str],
    value: str,
    windows: Mapping[str, timedelta | None],
) -> pl.DataFrame:
    """`queries` (with `at`) plus one Float64 column per window: the sum of `events[value]` over the events whose
    `keys` (event column -> query column) match and whose `t` lies in [at - window, at); a None window is all time
    before `at`."""
    renamed = events.select(*(pl.col(e).alias(q) for e, q in keys.items()), "t", pl.col(value).cast(pl.Float64))
    cumulative = renamed.sort("t").with_columns(pl.col(value).cum_sum().over(list(keys.values())).alias(_CUM))
    cumulative = cumulative.select(*keys.values(), "t", _CUM)
    indexed = queries.with_row_index(_ROW)
    upto = _asof(indexed, cumulative, "at", list(keys.values()), _CUM).fill_null(0.0)
    columns = []
    for name, window in windows.items():
        if window is None:
            columns.append(upto.alias(name))
            continue
        start = indexed.with_columns((pl.col("at") - window).alias("_start"))
        before = _asof(start, cumulative, "_start", list(keys.values()), _CUM).fill_null(0.0)
        columns.append((upto - before).alias(name))
    return queries.with_columns(columns)


def latest_state(
    queries: pl.DataFrame, states: pl.DataFrame, *, keys: Mapping[str, str], value: str, name: str
) -> pl.DataFrame:
    """`queries` plus `name`: the `value` of the newest state row with matching keys before `at` (0.0 if none)."""
    renamed = states.select(*(pl.col(e).alias(q) for e, q in keys.items()), "t", pl.col(value).cast(pl.Float64))
    found = _asof(queries.with_row_index(_ROW), renamed, "at", list(keys.values()), value)
    return queries.with_columns(found.fill_null(0.0).alias(name))
