"""The experiments in force: the config file, reloaded when it changes. A file that does not parse is logged and
ignored: the experiments before it stay in force (a typo must not reshuffle every viewer's arm)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from services.ranking.app.metrics import EXPERIMENT_RELOADS
from services.ranking.app.ports import ExperimentsSource
from services.ranking.domain.experiments import (
    Assignment,
    Experiment,
    ExperimentConfigError,
    assign,
    forced,
    parse_experiments,
    pinned_versions,
)

log = logging.getLogger(__name__)


class Experiments:
    def __init__(self, source: ExperimentsSource, *, on_pins: Callable[[Iterable[str]], None]) -> None:
        self.source = source
        self.on_pins = on_pins  # told the published versions the arms name, after each reload
        self.current: tuple[Experiment, ...] = ()

    def assignment(self, viewer: int, forced_label: str = "") -> Assignment:
        if forced_label:
            return forced(forced_label, self.current)
        return assign(viewer, self.current)

    async def reload(self) -> bool:
        """Reads the file if it changed (a stat, and a small file: not worth a thread); True when a new set of
        experiments is in force. Run on a timer by the composition root."""
        text = self.source.changed()
        if text is None:
            return False
        try:
            experiments = parse_experiments(text)
        except ExperimentConfigError as exc:
            EXPERIMENT_RELOADS.labels("invalid").inc()
            log.error("experiments file ignored; the previous experiments stay", extra={"error": str(exc)})
            return False
        self.current = experiments
        self.on_pins(pinned_versions(experiments))
        EXPERIMENT_RELOADS.labels("loaded").inc()
        log.info(
            "experiments in force",
            extra={
                "experiments": [
                    {"name": e.name, "arms": {a.name: [a.share, a.model] for a in e.arms}} for e in experiments
                ]
            },
        )
        return True
