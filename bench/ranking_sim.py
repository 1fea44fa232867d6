"""The ranking quality check's simulated users: who prefers which authors (hidden from the system), how they engage
with what a feed page shows them, and how a top 10 is scored against those preferences. No I/O: bench/ranking_quality
.py drives the stack with it."""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# A like is the engagement the model learns from; a comment now and then, as people do.
LIKE_FAVOURITE = 0.7
LIKE_OTHER = 0.03
COMMENT_FAVOURITE = 0.1


@dataclass(frozen=True)
class Preferences:
    """Each viewer's favourite authors (indices into the authors), drawn once per run from a seed."""

    favourites: dict[int, frozenset[int]]

    @classmethod
    def draw(cls, viewers: int, authors: int, per_viewer: int, seed: int) -> Preferences:
        if not 0 < per_viewer < authors:
            raise ValueError("each viewer needs some favourite authors and some others")
        rng = random.Random(seed)
        return cls({v: frozenset(rng.sample(range(authors), per_viewer)) for v in range(viewers)})

    def prefers(self, viewer: int, author: int) -> bool:
        return author in self.favourites[viewer]


@dataclass(frozen=True)
class Reaction:
    like: bool
    comment: bool


def react(prefs: Preferences, viewer: int, author: int, rng: random.Random) -> Reaction:
    """What a viewer does with one post shown to them."""
    favourite = prefs.prefers(viewer, author)
    like = rng.random() < (LIKE_FAVOURITE if favourite else LIKE_OTHER)
    comment = favourite and rng.random() < COMMENT_FAVOURITE
    return Reaction(like, comment)


def precision_at(k: int, shown_authors: Sequence[int], favourites: frozenset[int]) -> float:
    """The share of the first k items by a favourite author (a page shorter than k counts what it has against k)."""
    if k <= 0:
        raise ValueError("k must be positive")
    return sum(1 for a in shown_authors[:k] if a in favourites) / k


@dataclass(frozen=True)
class Comparison:
    chronological: float
    ranked: float
    viewers: int
    ranked_better: int
    """Viewers whose ranked top k held more favourites than their chronological top k."""

    @property
    def lift(self) -> float:
        return self.ranked - self.chronological

    def clearly_better(self, min_lift: float, min_share_better: float) -> bool:
        """The check's verdict: the mean precision rises by at least `min_lift` and the ranked top k is better
        for at least `min_share_better` of the viewers."""
        return self.lift >= min_lift and self.ranked_better >= min_share_better * self.viewers


def compare(chronological: Mapping[int, float], ranked: Mapping[int, float]) -> Comparison:
    """Per-viewer precisions of both orders -> their means, and for how many viewers ranking did better."""
    viewers = sorted(set(chronological) & set(ranked))
    if not viewers:
        raise ValueError("no viewer was measured in both orders")
    return Comparison(
        chronological=statistics.fmean(chronological[v] for v in viewers),
        ranked=statistics.fmean(ranked[v] for v in viewers),
        viewers=len(viewers),
        ranked_better=sum(1 for v in viewers if ranked[v] > chronological[v]),
    )
