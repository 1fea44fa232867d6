"""Which of the chain's past outputs go: the training sets and models of runs older than the newest few. Run ids and
model versions are timestamps (`20261207T013000Z`, `r20261207T013000Z`), so their names sort by time."""

from __future__ import annotations

from collections.abc import Iterable


def past_the_newest(names: Iterable[str], keep: int, protected: Iterable[str] = ()) -> list[str]:
    """The names older than the newest `keep`, oldest first, never a protected one (the model the ranking service
    loads). `keep` below 1 is refused: the chain always keeps what it has just written."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    spared = set(protected)
    ordered = sorted(set(names))
    return [name for name in ordered[: max(len(ordered) - keep, 0)] if name not in spared]
