"""`feedmesh admin train` (the offline ranking chain once, with progress) and `feedmesh admin experiments report`
(per-arm engagement from the lake). Both run here, against the stack's addresses (stack/defaults.env, .run/secrets, the
environment wins), with the training service's settings (services/training/settings.py)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.common.errors import DomainError
from services.common.settings import SettingsError, load_settings
from services.training.settings import TrainingSettings
from stack.settings import load_settings as stack_settings

if TYPE_CHECKING:
    from services.training.domain.experiments import ArmResult

UNREACHABLE = 3
experiments_app = typer.Typer(help="A/B experiments of the ranked feed.", no_args_is_help=True)


def _settings() -> TrainingSettings:
    try:
        return load_settings(TrainingSettings, dict(stack_settings().values))
    except SettingsError as exc:
        typer.echo(f"feedmesh: {exc}", err=True)
        raise typer.Exit(2) from None


class RichProgress:
    """One line per step: a spinner while it runs, then what it did and how long it took."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task: TaskID | None = None

    def step(self, name: str) -> None:
        self.task = self.progress.add_task(name, total=1)

    def done(self, detail: str) -> None:
        if self.task is not None:
            name = self.progress.tasks[self.task].description
            self.progress.update(self.task, completed=1, description=f"{name}: [green]{detail}")


def train(
    no_flush: Annotated[
        bool, typer.Option("--no-flush", help="Read the lake as it is; do not ask the lake service to flush.")
    ] = False,
) -> None:
    """Run the offline ranking chain once: flush the lake, features to Redis, training set, train, publish (only a
    model that beats recency on the newest pages; otherwise say why not)."""
    settings = _settings()
    from services.training.wiring import open_chain  # pyarrow, Polars, LightGBM: not for every `feedmesh` command

    async def run() -> None:
        chain, close = await open_chain(settings, flush=not no_flush)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        try:
            with Progress(*columns, console=Console(stderr=True)) as progress:
                result = await chain.run(RichProgress(progress))
        finally:
            await close()
        verdict = f"published {result.version}" if result.version else "refused"
        typer.echo(f"run {result.run_id}: {verdict}: " + "; ".join(result.outcome.decision.reasons))

    try:
        asyncio.run(run())
    except DomainError as exc:
        typer.echo(f"feedmesh: {exc}", err=True)
        raise typer.Exit(UNREACHABLE) from None


@experiments_app.command("report")
def report(
    days: Annotated[float, typer.Option(min=0.01, help="Impressions of this many days back.")] = 14.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Per experiment arm: impressions, the share followed by an engagement within the label window, and its 95%
    confidence interval (Wilson)."""
    settings = _settings()
    until = datetime.now(UTC)
    from services.training.app.report import experiment_report  # heavy imports, as in `train`
    from services.training.wiring import open_chain

    async def run() -> list[ArmResult]:
        chain, close = await open_chain(settings, flush=False)
        try:
            window = timedelta(seconds=settings.label_window_seconds)
            return await experiment_report(chain.lake, until - timedelta(days=days), until, window)
        finally:
            await close()

    results = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in results], indent=2))
        return
    if not results:
        typer.echo(f"no impressions with an experiment arm in the last {days:g} days")
        return
    table = Table(title=f"experiments, last {days:g} days (engaged: within {settings.label_window_seconds:g} s)")
    for column in ("experiment", "arm", "impressions", "engaged", "rate", "95% CI"):
        table.add_column(column, justify="left" if column in ("experiment", "arm") else "right")
    for r in results:
        table.add_row(
            r.experiment, r.arm, str(r.impressions), str(r.engaged), f"{r.rate:.2%}", f"{r.low:.2%} - {r.high:.2%}"
        )
    Console().print(table)
