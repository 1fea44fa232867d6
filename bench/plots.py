"""PNG plots of a benchmark run, written beside its figures (`bench/results/<bench>-<time>-<plot>.png`): latency
over time and throughput of closed-loop loads (each call's start and latency, `bench.loadgen.LoadResult`), and the
distribution of freshness samples. Drawn with matplotlib's headless Agg backend, on figures of their own (no pyplot
state), so a benchmark can call it from any thread."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bench.loadgen import LoadResult
from bench.stats import percentile

FRESHNESS_TARGET_SECONDS = 0.5  # the timeline benchmark's p99 target (bench/README.md)


@dataclass(frozen=True)
class TimedCalls:
    """One load's measured calls: when each started (seconds from the start of the measurement) and how long it
    took (seconds)."""

    name: str
    starts: Sequence[float]
    latencies: Sequence[float]

    @classmethod
    def of(cls, name: str, result: LoadResult) -> TimedCalls:
        return cls(name, result.starts, result.samples)


@dataclass(frozen=True)
class Binned:
    """Calls grouped by the second they completed in: the second's start, p50 and p99 latency (s), calls."""

    seconds: list[float]
    p50: list[float]
    p99: list[float]
    calls: list[int]


def per_second(calls: TimedCalls, bin_seconds: float = 1.0) -> Binned:
    bins: dict[int, list[float]] = {}
    for start, latency in zip(calls.starts, calls.latencies, strict=True):
        bins.setdefault(math.floor((start + latency) / bin_seconds), []).append(latency)
    keys = sorted(bins)
    return Binned(
        seconds=[k * bin_seconds for k in keys],
        p50=[percentile(bins[k], 50) for k in keys],
        p99=[percentile(bins[k], 99) for k in keys],
        calls=[round(len(bins[k]) / bin_seconds) for k in keys],
    )


@dataclass
class TimelineSeries:
    """What the timeline benchmark keeps for its plots: the feed reads and their trivial baseline, and each
    freshness level's samples (seconds) by figure (visible, pushed)."""

    loads: list[TimedCalls] = field(default_factory=list)
    freshness: dict[str, dict[str, list[float]]] = field(default_factory=dict)


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=100)
    return path


def _latency_axes(ax: Axes, loads: Sequence[TimedCalls]) -> None:
    for calls in loads:
        binned = per_second(calls)
        (line,) = ax.plot(binned.seconds, [v * 1000 for v in binned.p50], label=f"{calls.name} p50")
        ax.plot(binned.seconds, [v * 1000 for v in binned.p99], "--", color=line.get_color(), label=f"{calls.name} p99")
    ax.set_yscale("log")
    ax.set_ylabel("latency (ms)")
    ax.set_title("latency over time, per second of completion")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")


def _throughput_axes(ax: Axes, loads: Sequence[TimedCalls]) -> None:
    for calls in loads:
        binned = per_second(calls)
        ax.plot(binned.seconds, binned.calls, label=calls.name)
    ax.set_xlabel("seconds of measurement (rounds one after the other)")
    ax.set_ylabel("calls/s")
    ax.set_title("throughput")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")


def load_plot(loads: Sequence[TimedCalls], path: Path, title: str) -> Path:
    """Latency (p50, p99 per second) above throughput (calls per second) of each load, on one time axis."""
    figure = Figure(figsize=(10, 7), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    _latency_axes(top, loads)
    _throughput_axes(bottom, loads)
    figure.suptitle(title)
    return _save(figure, path)


def distribution_plot(
    samples: Mapping[str, Sequence[float]], path: Path, title: str, target: float | None = None
) -> Path:
    """For each set of samples (seconds), the share at least this late, both axes logarithmic: the tail, where a
    p99 target is judged, gets as much room as the median; with the target's line."""
    figure = Figure(figsize=(10, 6), layout="constrained")
    ax = figure.subplots()
    for name, values in samples.items():
        if not values:
            continue
        ordered = sorted(values)
        later = [(len(ordered) - i) / len(ordered) for i in range(len(ordered))]
        p50, p99 = (percentile(ordered, q) * 1000 for q in (50, 99))
        label = f"{name} (n={len(ordered)}, p50 {p50:.0f} ms, p99 {p99:.0f} ms)"
        ax.step([v * 1000 for v in ordered], later, where="post", label=label)
    if target is not None:
        ax.axvline(target * 1000, color="red", linestyle=":", label=f"target: p99 < {target * 1000:.0f} ms")
    ax.axhline(0.01, color="grey", linestyle=":", linewidth=0.8, label="1% (p99)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("ms")
    ax.set_ylabel("share of samples at least this late")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small", loc="lower left")
    ax.set_title(title)
    return _save(figure, path)


def write_timeline_plots(series: TimelineSeries, directory: Path, stamp: str) -> list[Path]:
    """`timeline-<stamp>-reads.png` (the feed reads and the trivial call, over time) and
    `timeline-<stamp>-freshness.png` (every freshness level's samples), for what the run measured."""
    written = []
    if series.loads:
        path = directory / f"timeline-{stamp}-reads.png"
        written.append(load_plot(series.loads, path, f"Timeline benchmark {stamp}: feed reads and the trivial call"))
    curves = {f"{level} {figure}": values for level, by in series.freshness.items() for figure, values in by.items()}
    if any(curves.values()):
        path = directory / f"timeline-{stamp}-freshness.png"
        title = f"Timeline benchmark {stamp}: publish -> visible to a follower"
        written.append(distribution_plot(curves, path, title, FRESHNESS_TARGET_SECONDS))
    return written
