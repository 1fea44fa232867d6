"""What a soak's samples say (bench/soak.py): per process the RSS slope and a verdict, the error rate over time, the
backlogs' bounds; as a dict for the JSON report, a Markdown summary and a PNG plot.

Every sample is one moment of the run (`Sample`): the RSS of each named process tree, the load's answers since the
previous sample, and the backlog gauges and the in-process caches' fill (bench/soak_caches.py) read from Prometheus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from bench.soak_caches import cache_fill, cache_table, fill_series
from bench.soak_memory import WARMUP_MINUTES, rss_verdicts, slope


@dataclass
class Sample:
    """One moment of the soak."""

    minute: float
    """minutes since the load started"""
    rss_mb: dict[str, float]
    """process name (pid file) -> RSS of the process and its descendants, MB"""
    pids: dict[str, int] = field(default_factory=dict)
    """process name -> its pid (a new pid: the process was restarted)"""
    answers: dict[str, int] = field(default_factory=dict)
    """status class (2xx, 4xx, 429, 5xx, timeout, error) -> answers that came back since the previous sample"""
    seconds: float = 0.0
    """the time since the previous sample"""
    backlogs: dict[str, float] = field(default_factory=dict)
    """gauge name -> its value (Prometheus)"""
    p99_ms: float = 0.0
    """the 99th percentile latency of the answers since the previous sample"""
    load_average: float = 0.0
    """the machine's one-minute load average (others' work shows here)"""
    caches: dict[str, dict[str, float]] = field(default_factory=dict)
    """`<process>/<cache>` -> its entries, weight and capacity (Prometheus; absent from runs before 2026-12-08)"""

    @property
    def calls(self) -> int:
        return sum(self.answers.values())

    @property
    def errors(self) -> int:
        """Answers the client should never see under a load within capacity: 5xx, a timeout, no answer at all."""
        return sum(self.answers.get(kind, 0) for kind in ("5xx", "timeout", "error"))


def restart_windows(samples: Sequence[Sample]) -> dict[int, list[str]]:
    """Sample index -> the processes restarted around it (a new pid since the previous sample or by the next):
    on a shared stack someone else's swap, whose errors say nothing of growth under load."""
    windows: dict[int, list[str]] = {}
    for i in range(1, len(samples)):
        before, after = samples[i - 1].pids, samples[i].pids
        changed = sorted(name for name in after if name in before and after[name] != before[name])
        for index in (i - 1, i):
            if changed:
                windows.setdefault(index, [])
                windows[index] = sorted(set(windows[index]) | set(changed))
    return windows


def error_rates(samples: Sequence[Sample], parts: int = 3) -> dict[str, Any]:
    """The error rate (errors / answers) over the whole run and in `parts` equal stretches of it, the answers by
    kind, the errors of the samples around a process restart apart, and the least-squares slope per hour of the
    error rate over the other samples, which the verdict judges."""
    totals: dict[str, int] = {}
    for s in samples:
        for kind, n in s.answers.items():
            totals[kind] = totals.get(kind, 0) + n
    calls = sum(s.calls for s in samples)
    errors = sum(s.errors for s in samples)
    stretches = []
    size = max(1, -(-len(samples) // parts))
    for start in range(0, len(samples), size):
        chunk = samples[start : start + size]
        chunk_calls = sum(s.calls for s in chunk)
        stretches.append(
            {
                "from_minute": round(chunk[0].minute, 1),
                "to_minute": round(chunk[-1].minute, 1),
                "calls": chunk_calls,
                "errors": sum(s.errors for s in chunk),
                "error_rate": round(sum(s.errors for s in chunk) / chunk_calls, 6) if chunk_calls else 0.0,
                "calls_per_second": round(chunk_calls / max(sum(s.seconds for s in chunk), 1e-9), 1),
            }
        )
    restarted = restart_windows(samples)
    steady = [s for i, s in enumerate(samples) if s.calls and i not in restarted]
    trend = slope([s.minute / 60 for s in steady], [s.errors / s.calls for s in steady])
    steady_calls, steady_errors = sum(s.calls for s in steady), sum(s.errors for s in steady)
    return {
        "calls": calls,
        "errors": errors,
        "error_rate": round(errors / calls, 6) if calls else 0.0,
        "answers": dict(sorted(totals.items())),
        "stretches": stretches,
        "restart_windows": [
            {"minute": samples[i].minute, "restarted": names, "calls": samples[i].calls, "errors": samples[i].errors}
            for i, names in sorted(restarted.items())
        ],
        "errors_outside_restarts": steady_errors,
        "error_rate_outside_restarts": round(steady_errors / steady_calls, 6) if steady_calls else 0.0,
        "error_rate_slope_per_hour": round(trend, 6),
        "verdict": "no growth" if trend <= 0.001 else "growing",
    }


def backlog_bounds(samples: Sequence[Sample]) -> dict[str, dict[str, Any]]:
    """Per gauge: min, max, the value at the end, the last quarter's range against the max before it."""
    names = sorted({name for s in samples for name in s.backlogs})
    bounds: dict[str, dict[str, Any]] = {}
    for name in names:
        values = [s.backlogs[name] for s in samples if name in s.backlogs]
        cut = max(1, len(values) * 3 // 4)
        before, last = values[:cut], values[cut:] or values[-1:]
        bounds[name] = {
            "min": min(values),
            "max": max(values),
            "end": values[-1],
            "max_last_quarter": max(last),
            "min_last_quarter": min(last),
            "max_before": max(before),
            # Fanout comes in bursts, so a spike late in the run says little; a backlog that grows without bound
            # no longer comes back down to what it was before.
            "verdict": "bounded" if min(last) <= max(before) else "growing",
        }
    return bounds


def summary(samples: Sequence[Sample], warmup_minutes: float = WARMUP_MINUTES) -> dict[str, Any]:
    loads = [s.load_average for s in samples] or [0.0]
    latencies = [s.p99_ms for s in samples if s.calls] or [0.0]
    return {
        "rss": rss_verdicts(samples, warmup_minutes),
        "warmup_minutes": warmup_minutes,
        "errors": error_rates(samples),
        "backlogs": backlog_bounds(samples),
        "caches": cache_fill([s.caches for s in samples]),
        "load_average": {"min": min(loads), "max": max(loads), "mean": round(sum(loads) / len(loads), 2)},
        "window_p99_ms": {
            "min": min(latencies),
            "max": max(latencies),
            "median": median(latencies),
        },
    }


def verdicts_hold(found: Mapping[str, Any]) -> bool:
    """Memory flat for every service (a store is judged by its bound: soak_memory), no error growth, every backlog
    bounded."""
    return (
        all(r["verdict"] in ("flat", "store") for r in found["rss"].values())
        and found["errors"]["verdict"] == "no growth"
        and all(b["verdict"] == "bounded" for b in found["backlogs"].values())
    )


def _verdict(r: Mapping[str, Any]) -> str:
    return f"store (bound: {r['bound']})" if r["verdict"] == "store" else str(r["verdict"])


def markdown(result: Mapping[str, Any]) -> str:
    """The soak's tables: per process, errors per stretch, backlogs, and the caches' fill when it was read."""
    found = result["summary"]
    lines = [
        "| process | memory start -> end (MB, PSS) | min / max | slope MB/h (whole run) | slope MB/h (second half) "
        f"| floor slope MB/h (judged, from minute {found.get('warmup_minutes', 0):g}) | verdict | restarts |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in sorted(found["rss"].items(), key=lambda kv: -kv[1].get("floor_slope_mb_per_hour", 0.0)):
        lines.append(
            f"| {name} | {r['start_mb']:,.0f} -> {r['end_mb']:,.0f} | {r['min_mb']:,.0f} / {r['max_mb']:,.0f} | "
            f"{r['slope_mb_per_hour']:+,.1f} | {r['second_half_slope_mb_per_hour']:+,.1f} | "
            f"{r.get('floor_slope_mb_per_hour', 0.0):+,.1f} | {_verdict(r)} | "
            f"{r['restarts'] or ''} |"
        )
    errors = found["errors"]
    lines += [
        "",
        "| minutes | calls | calls/s | errors (5xx, timeout, no answer) | error rate |",
        "|---|---|---|---|---|",
    ]
    for s in errors["stretches"]:
        lines.append(
            f"| {s['from_minute']:.0f}-{s['to_minute']:.0f} | {s['calls']:,} | {s['calls_per_second']:.1f} | "
            f"{s['errors']:,} | {s['error_rate']:.4%} |"
        )
    answers = ", ".join(f"{kind} {n:,}" for kind, n in errors["answers"].items())
    restarts = "; ".join(
        f"minute {w['minute']:.1f}: {', '.join(w['restarted'])} ({w['errors']:,} errors of {w['calls']:,})"
        for w in errors["restart_windows"]
    )
    lines += [
        "",
        f"Answers: {answers}. Around process restarts: {restarts or 'none'}. Outside them: "
        f"{errors['errors_outside_restarts']:,} errors ({errors['error_rate_outside_restarts']:.4%}), error-rate "
        f"slope {errors['error_rate_slope_per_hour']:+.4f}/h: {errors['verdict']}.",
    ]
    lines += ["", "| backlog | min | max | end | last quarter min / max | verdict |", "|---|---|---|---|---|---|"]
    for name, b in found["backlogs"].items():
        lines.append(
            f"| {name} | {b['min']:,.0f} | {b['max']:,.0f} | {b['end']:,.0f} | "
            f"{b['min_last_quarter']:,.0f} / {b['max_last_quarter']:,.0f} | "
            f"{b['verdict']} |"
        )
    caches = cache_table(found.get("caches", {}))
    lines += ["", *caches] if caches else []
    return "\n".join(lines) + "\n"


def plot(samples: Sequence[Sample], out: Path, title: str) -> None:
    """Panels over the run's minutes: each process's RSS change since the start, the answers per second and the
    error rate, the backlogs, and (when the run read them) how full each in-process cache was."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [s.minute for s in samples]
    fills = fill_series(minutes, [s.caches for s in samples])
    figure, axes = plt.subplots(4 if fills else 3, 1, figsize=(11, 16 if fills else 12), sharex=True)
    memory, load, backlog = axes[:3]
    colors = [plt.get_cmap("tab20")(i) for i in range(20)]  # 20 processes: the default cycle's 10 repeat
    memory.set_prop_cycle(color=colors)
    backlog.set_prop_cycle(color=colors)
    names = sorted({name for s in samples for name in s.rss_mb})
    for name in names:
        points = [(s.minute, s.rss_mb[name]) for s in samples if name in s.rss_mb]
        base = points[0][1]
        memory.plot([p[0] for p in points], [p[1] - base for p in points], label=name, linewidth=1)
    memory.set_ylabel("RSS change since start (MB)")
    memory.legend(fontsize=7, ncol=4, loc="upper left")
    memory.grid(alpha=0.3)

    load.plot(minutes, [s.calls / s.seconds if s.seconds else 0 for s in samples], label="answers/s", color="C0")
    load.set_ylabel("answers per second")
    rate_axis = load.twinx()
    rate_axis.plot(minutes, [s.errors / s.calls if s.calls else 0 for s in samples], color="C3", label="error rate")
    rate_axis.set_ylabel("error rate (5xx, timeout, no answer)")
    load.legend(loc="upper left", fontsize=8)
    rate_axis.legend(loc="upper right", fontsize=8)
    load.grid(alpha=0.3)

    for name in sorted({name for s in samples for name in s.backlogs}):
        backlog.plot(minutes, [s.backlogs.get(name, float("nan")) for s in samples], label=name, linewidth=1)
    backlog.set_ylabel("backlog (messages / posts)")
    backlog.legend(fontsize=7, loc="upper left")
    backlog.grid(alpha=0.3)
    if fills:
        caches = axes[3]
        caches.set_prop_cycle(color=colors)
        for key, (xs, ys) in fills.items():
            caches.plot(xs, [y * 100 for y in ys], label=key, linewidth=1)
        caches.set_ylabel("cache weight, % of capacity")
        caches.legend(fontsize=7, ncol=2, loc="upper left")
        caches.grid(alpha=0.3)
    axes[-1].set_xlabel("minutes since the load started")
    figure.suptitle(title)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=90)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.soak_report RESULT.json [WARMUP_MINUTES]`: the summary, verdicts and plot again from a
    run's samples."""
    import json
    import sys

    args = argv if argv is not None else sys.argv[1:]
    path = Path(args[0])
    result = json.loads(path.read_text())
    samples = [Sample(**fields) for fields in result["samples"]]
    # A run written before the warm-up existed was judged from its first minute: kept so unless asked otherwise.
    warmup = float(args[1]) if len(args) > 1 else result.get("warmup_minutes", 0.0)
    result["warmup_minutes"] = warmup
    result["summary"] = summary(samples, warmup)
    result["holds"] = verdicts_hold(result["summary"])
    path.write_text(json.dumps(result, indent=1) + "\n")
    title = (
        f"soak {result['started']}: {result['offered_per_second']:.0f} calls/s ({result['fraction']:.0%} of "
        f"{result['capacity_per_second']:.0f}) for {result['minutes']:g} min"
    )
    plot(samples, path.with_suffix(".png"), title)
    print(markdown(result))
    print(f"rewrote {path} and {path.with_suffix('.png')}; holds: {result['holds']}")
    return 0 if result["holds"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
