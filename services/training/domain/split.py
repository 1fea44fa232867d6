"""The time-ordered holdout: the newest pages are held out, whole (a page split across train and holdout would leak
its neighbours' labels), so the model is judged on what came after everything it learned from."""

from __future__ import annotations

import polars as pl


def page_key() -> pl.Expr:
    """A page's id; impressions without one are grouped by viewer and time."""
    fallback = pl.format("{}@{}", pl.col("viewer_id"), pl.col("at"))
    return pl.when(pl.col("page_id") != "").then(pl.col("page_id")).otherwise(fallback).alias("page")


def time_split(rows: pl.DataFrame, holdout_fraction: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(train, holdout): the pages whose first impression is among the newest `holdout_fraction` of pages are
    held out; both keep a `page` column."""
    with_pages = rows.with_columns(page_key())
    pages = with_pages.group_by("page").agg(pl.col("at").min().alias("first")).sort("first", "page")
    held = round(pages.height * holdout_fraction)
    if held == 0 or held == pages.height:
        return with_pages, with_pages.clear()
    holdout_pages = pages.tail(held)["page"]
    holdout = with_pages.filter(pl.col("page").is_in(holdout_pages.implode()))
    train = with_pages.filter(~pl.col("page").is_in(holdout_pages.implode()))
    return train, holdout
