"""The engagement figures as table rows (printed, and the engagement table of bench/results/latest.md; the files are
written by bench.latest)."""

from __future__ import annotations

import math
from typing import Any

from bench import process_cpu
from bench.report import Row, cpu_row, number, ratio_text, rounds_row
from bench.stats import at_least, ratio, verdict

LIKES_TARGET = 0.5  # of the floor's rate
DRIFT_SECONDS_TARGET = 5.0


def _rate(result: dict[str, Any]) -> str:
    return number(result["per_second"], "/s")


def _latency(result: dict[str, Any]) -> str:
    return f"p50 {number(result['latency']['p50_ms'], ' ms', 1)} / p99 {number(result['latency']['p99_ms'], ' ms', 1)}"


def _seconds(value: float) -> str:
    return "not within the wait" if math.isnan(value) else f"{value:,.2f} s"


def drift_seconds(f: dict[str, Any], name: str = "served") -> list[float]:
    """Seconds until `name` converged after each load: every likes round, then the storm."""
    afters = [*f["likes"]["drift_after"], f["storm"]["drift_after"]]
    return [float(a["seconds_to_zero"][name]) for a in afters]


def worst(values: list[float]) -> float:
    """The largest value; NaN (never reached) if any is NaN."""
    return math.nan if any(math.isnan(v) for v in values) else max(values, default=math.nan)


def within(value: float, limit: float) -> bool:
    """A convergence time meets its limit; one never reached (NaN) does not."""
    return not math.isnan(value) and value <= limit


def _like_rows(label: str, result: dict[str, Any], floor: dict[str, Any]) -> list[Row]:
    r = ratio(result["per_second"], floor["per_second"])
    rows = [
        Row(
            label,
            _rate(result),
            f"floor {_rate(floor)}",
            ratio_text(r),
            f">= {LIKES_TARGET:.2f} x floor",
            verdict(at_least(r, LIKES_TARGET)),
        )
    ]
    for q in ("p50", "p99"):
        ms = result["latency"][f"{q}_ms"]
        floor_ms = floor["latency"][f"{q}_ms"]
        rows.append(
            Row(
                f"  latency {q}",
                number(ms, " ms", 1),
                f"floor {number(floor_ms, ' ms', 1)}",
                ratio_text(ratio(ms, floor_ms)),
                "(info)",
            )
        )
    if result["errors"]:
        rows.append(Row("  errors", f"{result['errors']:,}: {result['error_codes']}", target="(info)"))
    return rows


def _during_rows(label: str, during: dict[str, Any]) -> list[Row]:
    by_kind = ", ".join(f"{k} {number(v)}" for k, v in during["metric_drift_max_by_kind"].items())
    own = (
        f"over-count max {during['over_max']}, unapplied max {during['unapplied_max']} "
        f"(bound: {during['in_flight_bound']} in flight; {during['unapplied_beyond_in_flight']} beyond it), "
        f"{during['posts_checked']:,} posts checked ({during['posts_checked_from_redis']:,} served from Redis)"
    )
    lag = (
        f"oldest unflushed change p50 {number(during['pending_age_p50_seconds'], ' s', 2)} / max "
        f"{number(during['pending_age_max_seconds'], ' s', 2)}; gauge max "
        f"{number(during['flush_lag_metric_max_seconds'], ' s', 2)}, above 0 in "
        f"{during.get('flush_lag_metric_nonzero_samples', 'n/a')} of {during['samples']} samples"
    )
    return [
        Row(
            f"  counter drift during the {label}: gauge max by kind ({during['samples']} samples)",
            by_kind,
            "",
            "",
            "(info)",
        ),
        Row(f"  counter drift during the {label}: own check", own, "", "", "(info)"),
        Row(f"  flush lag during the {label}", lag, "", "", "(info)"),
    ]


def build_rows(f: dict[str, Any]) -> list[Row]:
    floor, direct, likes, storm = f["floor"], f["floor_direct"], f["likes"], f["storm"]
    rows = [
        Row(
            "floor: LikePost of post 0 through the gateway (JWT, write budget, route; refused before any store work)",
            f"{_rate(floor)}, {_latency(floor)}",
            "",
            "",
            "(the baseline)",
        ),
        Row(
            "  the same call straight to the engagement service (no Envoy)",
            f"{_rate(direct)}, {_latency(direct)}",
            f"floor {_rate(floor)}",
            ratio_text(ratio(floor["per_second"], direct["per_second"])),
            "(info: floor / direct)",
        ),
    ]
    rows += _like_rows(
        f"likes/s, {likes['users']:,} users on {likes['posts']:,} posts, every like new (gRPC through Envoy)",
        likes,
        floor,
    )
    if likes.get("rounds"):
        rows.append(rounds_row("floor and likes", likes["rounds"]))
    rows += _like_rows(f"likes/s, storm: {storm['likers']:,} users like one post", storm, floor)
    served = drift_seconds(f)
    worst_served = worst(served)
    rows.append(
        Row(
            "counter drift 0 after the load: BatchGetPostStats = recount of the like rows, every post touched "
            f"(worst of {len(served)} loads)",
            _seconds(worst_served),
            "",
            "",
            f"<= {DRIFT_SECONDS_TARGET:g} s",
            verdict(within(worst_served, DRIFT_SECONDS_TARGET)),
        )
    )
    for name, label in (
        ("served", "the same, load by load (likes rounds, then the storm)"),
        ("durable", "durable counters (post_counters) = recount after"),
        ("metric_drift", "drift gauge 0 after"),
        ("flush_lag", "flush-lag gauge 0 after"),
    ):
        values = drift_seconds(f, name)
        rows.append(Row(f"  {label}", ", ".join(_seconds(v) for v in values), target="(info)"))
    rows += _during_rows("likes", likes["drift_during"])
    rows += _during_rows("storm", storm["drift_during"])
    repaired = f.get("cache_repairs", {})
    rows.append(
        Row(
            "  cached counts dropped by the service's sweep during the run, by reason",
            ", ".join(f"{k} {number(v)}" for k, v in repaired.items()) or "0",
            target="(info)",
        )
    )
    writes = f.get("gateway_writes")
    if writes:
        rows.append(
            Row(
                "  most gateway writes by one liker in the run",
                f"{writes['max_per_user']:,}",
                f"budget {writes['budget_per_min']:,}/min",
                target="(info)",
            )
        )
    for label, result in (("floor", floor), ("likes", likes), ("storm", storm)):
        if result.get("cpu_percent_of_a_core"):
            cpu = result["cpu_percent_of_a_core"]
            rows.append(
                Row(
                    f"  CPU during the {label}, % of one core by process",
                    cpu_row(cpu).value,
                    f"the stack: {number(cpu_ms_per_call(cpu, result['per_second']), ' ms', 2)} of CPU per call",
                    target="(info)",
                )
            )
    return rows


def cpu_ms_per_call(cpu: dict[str, float], per_second: float) -> float:
    """Milliseconds of CPU the stack's processes spent per call (the client and the machine's other processes left
    out), from their CPU in percent of one core while the calls ran at `per_second`."""
    stack = sum(p for name, p in cpu.items() if name not in (process_cpu.CLIENT, process_cpu.OTHER))
    return ratio(stack * 10, per_second)
