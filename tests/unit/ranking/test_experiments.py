"""The experiments file and arm assignment (services.ranking.domain.experiments)."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.ranking.domain.experiments import (
    LATEST,
    OUTSIDE,
    Assignment,
    ExperimentConfigError,
    assign,
    bucket,
    forced,
    parse_experiments,
    pinned_versions,
)


def experiment(name: str, *arms: tuple[str, float, str], enabled: bool = True) -> str:
    """An [[experiment]] table of the file with its arms (name, share, model)."""
    lines = ["[[experiment]]", f'name = "{name}"', f"enabled = {str(enabled).lower()}"]
    for arm, share, model in arms:
        lines += ["[[experiment.arm]]", f'name = "{arm}"', f"share = {share}", f'model = "{model}"']
    return "\n".join(lines) + "\n"


TWO_ARMS = experiment("gbm", ("control", 0.5, "heuristic"), ("model", 0.5, "latest"))


def test_an_empty_or_commented_file_has_no_experiment_and_everyone_gets_the_newest_model() -> None:
    assert parse_experiments("") == ()
    assert parse_experiments("# nothing yet\n") == ()
    assert assign(42, ()) == OUTSIDE == Assignment(LATEST, "")


def test_arms_split_viewers_by_their_shares_and_each_viewer_keeps_its_arm() -> None:
    experiments = parse_experiments(TWO_ARMS)
    arms = [assign(viewer, experiments) for viewer in range(1, 4001)]
    control = sum(a.label == "gbm/control" for a in arms)
    assert 1800 < control < 2200  # 50% +- 5 sigma
    assert {a.label for a in arms} == {"gbm/control", "gbm/model"}
    assert all(a.model == ("heuristic" if a.label == "gbm/control" else LATEST) for a in arms)
    assert [assign(viewer, parse_experiments(TWO_ARMS)) for viewer in range(1, 4001)] == arms


def test_the_hash_is_stable_across_processes_and_differs_between_experiments() -> None:
    assert bucket(12345, "gbm") == bucket(12345, "gbm")
    assert 0 <= bucket(12345, "gbm") < 1
    assert bucket(12345, "gbm") != bucket(12345, "other")
    # Fixed values: every process (and the offline report) must put viewer 1 in the same place; Python's own hash()
    # of a str differs from one process to the next.
    assert bucket(1, "gbm") == pytest.approx(0.9771437819552291, abs=1e-15)


def test_shares_below_one_leave_viewers_to_the_next_experiment_or_to_the_newest_model() -> None:
    text = experiment("small", ("pinned", 0.1, "r20261207T013000Z")) + experiment(
        "disabled", ("all", 1.0, "heuristic"), enabled=False
    )
    experiments = parse_experiments(text)
    assert [e.name for e in experiments] == ["small"]
    arms = [assign(viewer, experiments) for viewer in range(1, 2001)]
    inside = [a for a in arms if a.label]
    assert 120 < len(inside) < 280
    assert all(a == Assignment("r20261207T013000Z", "small/pinned") for a in inside)
    assert all(a == OUTSIDE for a in arms if not a.label)
    assert pinned_versions(experiments) == {"r20261207T013000Z"}


def test_a_forced_arm_must_exist() -> None:
    experiments = parse_experiments(TWO_ARMS)
    assert forced("gbm/control", experiments) == Assignment("heuristic", "gbm/control")
    with pytest.raises(InvalidArgument):
        forced("gbm/nope", experiments)


@pytest.mark.parametrize(
    "text",
    [
        "[[experiment]\nname=",  # not TOML
        "experiments = []",  # unknown key
        '[[experiment]]\nname = "x"',  # no arm
        '[[experiment]]\nname = "bad name"\n[[experiment.arm]]\nname="a"\nshare=1.0',
        '[[experiment]]\nname = "x"\n[[experiment.arm]]\nname="a"\nshare=0.7\n[[experiment.arm]]\nname="b"\nshare=0.7',
        '[[experiment]]\nname = "x"\n[[experiment.arm]]\nname="a"\nshare="half"',
        '[[experiment]]\nname = "x"\n[[experiment.arm]]\nname="a"\nshare=0.5\nmodel="a|b"',
        '[[experiment]]\nname = "x"\n[[experiment.arm]]\nname="a"\nshare=0.5\n[[experiment.arm]]\nname="a"\nshare=0.5',
        '[[experiment]]\nname = "x"\n[[experiment.arm]]\nname="a"\nshare=1\n[[experiment]]\nname = "x"\n'
        '[[experiment.arm]]\nname="a"\nshare=1',
    ],
)
def test_a_file_that_does_not_say_what_it_means_is_refused(text: str) -> None:
    with pytest.raises(ExperimentConfigError):
        parse_experiments(text)
