"""A/B experiments: what the config file says, and which arm a viewer is in.

An experiment has arms, each with a traffic share and the model it scores with ("latest", a published version, or
"heuristic"). A viewer's place in an experiment is a stable hash of (viewer, experiment) in [0, 1): the same viewer
lands in the same arm in every process and after every reload, as long as the shares before its arm are unchanged.
Shares may sum to less than 1: the viewers past the last arm are not in that experiment, and the next experiment in
the file is tried (so experiments can share the traffic). A viewer in no experiment gets the newest model.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.common.errors import InvalidArgument
from services.common.ranking_models import HEURISTIC_VERSION

LATEST = "latest"
# Names end up in impressions and in the timeline's ranking session tag: keep them plain.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ExperimentConfigError(ValueError):
    """The experiments file does not say what it means; the message names the offending entry."""


@dataclass(frozen=True)
class Arm:
    name: str
    share: float
    model: str  # LATEST, HEURISTIC_VERSION or a published version


@dataclass(frozen=True)
class Experiment:
    name: str
    arms: tuple[Arm, ...]


@dataclass(frozen=True)
class Assignment:
    """What scores a viewer's candidates: `model` (LATEST, HEURISTIC_VERSION or a version) and the arm's label
    "<experiment>/<arm>" ("" outside every experiment)."""

    model: str
    label: str = ""


OUTSIDE = Assignment(LATEST)


def parse_experiments(text: str) -> tuple[Experiment, ...]:
    """The experiments of a TOML file: `[[experiment]]` tables with `name`, optional `enabled` (true), and
    `[[experiment.arm]]` tables with `name`, `share` and `model`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentConfigError(f"not valid TOML: {exc}") from None
    unknown = set(data) - {"experiment"}
    if unknown:
        raise ExperimentConfigError(f"unknown top-level keys {sorted(unknown)} (expected [[experiment]] tables)")
    raw = data.get("experiment", [])
    if not isinstance(raw, list):
        raise ExperimentConfigError("`experiment` must be an array of tables ([[experiment]])")
    experiments = [e for e in (_experiment(entry, n) for n, entry in enumerate(raw)) if e is not None]
    names = [e.name for e in experiments]
    if len(set(names)) != len(names):
        raise ExperimentConfigError(f"experiment names must be unique, got {names}")
    return tuple(experiments)


def _experiment(entry: Any, index: int) -> Experiment | None:
    where = f"experiment #{index + 1}"
    if not isinstance(entry, Mapping):
        raise ExperimentConfigError(f"{where}: expected a table")
    name = _name(entry.get("name"), where)
    where = f"experiment {name!r}"
    unknown = set(entry) - {"name", "enabled", "arm"}
    if unknown:
        raise ExperimentConfigError(f"{where}: unknown keys {sorted(unknown)}")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ExperimentConfigError(f"{where}: `enabled` must be true or false")
    raw_arms = entry.get("arm", [])
    if not isinstance(raw_arms, list) or not raw_arms:
        raise ExperimentConfigError(f"{where}: needs at least one [[experiment.arm]]")
    arms = tuple(_arm(arm, where) for arm in raw_arms)
    if len({a.name for a in arms}) != len(arms):
        raise ExperimentConfigError(f"{where}: arm names must be unique")
    total = sum(a.share for a in arms)
    if total > 1.0 + 1e-9:
        raise ExperimentConfigError(f"{where}: arm shares sum to {total:g}, more than 1")
    return Experiment(name, arms) if enabled else None


def _arm(entry: Any, where: str) -> Arm:
    if not isinstance(entry, Mapping):
        raise ExperimentConfigError(f"{where}: each arm must be a table")
    name = _name(entry.get("name"), f"{where}, an arm")
    unknown = set(entry) - {"name", "share", "model"}
    if unknown:
        raise ExperimentConfigError(f"{where}, arm {name!r}: unknown keys {sorted(unknown)}")
    share = entry.get("share")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ExperimentConfigError(f"{where}, arm {name!r}: `share` must be a number from 0 to 1")
    model = entry.get("model", LATEST)
    if not isinstance(model, str) or not _NAME.match(model):
        raise ExperimentConfigError(
            f"{where}, arm {name!r}: `model` must be {LATEST!r}, {HEURISTIC_VERSION!r} or a published version"
        )
    return Arm(name, float(share), model)


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ExperimentConfigError(f"{where}: `name` must be 1-64 letters, digits, '_', '.' or '-'")
    return value


def bucket(viewer_id: int, experiment: str) -> float:
    """The viewer's stable place in [0, 1) for an experiment (not Python's hash(): it differs between processes)."""
    digest = hashlib.blake2b(f"{experiment}:{viewer_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def assign(viewer_id: int, experiments: Sequence[Experiment]) -> Assignment:
    """The first experiment (in file order) whose arms cover the viewer's bucket decides; otherwise the newest
    model."""
    for experiment in experiments:
        point = bucket(viewer_id, experiment.name)
        edge = 0.0
        for arm in experiment.arms:
            edge += arm.share
            if point < edge:
                return Assignment(arm.model, f"{experiment.name}/{arm.name}")
    return OUTSIDE


def forced(label: str, experiments: Sequence[Experiment]) -> Assignment:
    """The arm a caller names as "<experiment>/<arm>" (tests and benchmarks)."""
    experiment_name, _, arm_name = label.partition("/")
    for experiment in experiments:
        if experiment.name == experiment_name:
            for arm in experiment.arms:
                if arm.name == arm_name:
                    return Assignment(arm.model, label)
    raise InvalidArgument(f"no experiment arm {label!r} is configured", reason="UNKNOWN_EXPERIMENT_ARM")


def pinned_versions(experiments: Sequence[Experiment]) -> set[str]:
    """The published versions the arms name (loaded ahead of their first viewer)."""
    return {a.model for e in experiments for a in e.arms if a.model not in (LATEST, HEURISTIC_VERSION)}
