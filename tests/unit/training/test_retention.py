"""The training chain keeps the newest runs' training sets and models and the model in use, and nothing else."""

from __future__ import annotations

import pytest

from services.training.domain.retention import past_the_newest

RUNS = ["20261207T030000Z", "20261207T010000Z", "20261206T230000Z", "20261207T020000Z", "20261207T000000Z"]


def test_everything_older_than_the_newest_few_goes_oldest_first() -> None:
    assert past_the_newest(RUNS, keep=2) == ["20261206T230000Z", "20261207T000000Z", "20261207T010000Z"]


def test_the_model_in_use_stays_however_old() -> None:
    versions = ["r" + run for run in RUNS]
    assert past_the_newest(versions, keep=2, protected=["r20261206T230000Z"]) == [
        "r20261207T000000Z",
        "r20261207T010000Z",
    ]


def test_fewer_than_kept_keeps_all() -> None:
    assert past_the_newest(RUNS[:2], keep=5) == []
    assert past_the_newest([], keep=1) == []


def test_keeping_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        past_the_newest(RUNS, keep=0)
