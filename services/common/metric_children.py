"""Labelled metrics for hot paths. prometheus_client's `labels(...)` checks and converts its values and takes a lock
on every call, about twice the cost of the increment itself, and a feed read makes about ten. `Children` looks each
combination up once and hands out the same child afterwards (children are never removed, so a kept one stays the
registered one)."""

from __future__ import annotations

from typing import Generic, TypeVar

from prometheus_client import Counter, Gauge, Histogram

M = TypeVar("M", Counter, Gauge, Histogram)


class Children(Generic[M]):
    def __init__(self, metric: M):
        self.metric: M = metric
        self._children: dict[tuple[str, ...], M] = {}

    def labels(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self.metric.labels(*values)
        return child
