"""The ranking quality check's simulated users and its scoring (bench/ranking_sim.py)."""

from __future__ import annotations

import random

import pytest

from bench.ranking_sim import Preferences, compare, precision_at, react


def test_preferences_are_drawn_the_same_from_the_same_seed_and_sized_as_asked() -> None:
    a = Preferences.draw(viewers=10, authors=24, per_viewer=4, seed=5)
    assert a == Preferences.draw(viewers=10, authors=24, per_viewer=4, seed=5)
    assert a != Preferences.draw(viewers=10, authors=24, per_viewer=4, seed=6)
    assert all(len(f) == 4 and max(f) < 24 for f in a.favourites.values())
    with pytest.raises(ValueError):
        Preferences.draw(viewers=1, authors=4, per_viewer=4, seed=1)


def test_viewers_like_their_favourites_far_more_often() -> None:
    prefs = Preferences({0: frozenset({1})})
    rng = random.Random(3)
    favourite = sum(react(prefs, 0, 1, rng).like for _ in range(2000))
    other = sum(react(prefs, 0, 2, rng).like for _ in range(2000))
    assert favourite > 1200 and other < 150
    assert not any(react(prefs, 0, 2, rng).comment for _ in range(500))


def test_precision_counts_favourites_in_the_first_k_against_k() -> None:
    favourites = frozenset({1, 2})
    assert precision_at(4, [1, 3, 2, 2, 1], favourites) == 0.75
    assert precision_at(10, [1, 2], favourites) == 0.2
    with pytest.raises(ValueError):
        precision_at(0, [1], favourites)


def test_compare_judges_the_lift_and_how_many_viewers_gained() -> None:
    result = compare({0: 0.1, 1: 0.2, 2: 0.2}, {0: 0.6, 1: 0.5, 2: 0.1, 3: 1.0})
    assert result.viewers == 3 and result.ranked_better == 2
    assert result.lift == pytest.approx(0.4 - 0.5 / 3)
    assert result.clearly_better(min_lift=0.2, min_share_better=0.6)
    assert not result.clearly_better(min_lift=0.3, min_share_better=0.6)
    assert not result.clearly_better(min_lift=0.2, min_share_better=0.9)
