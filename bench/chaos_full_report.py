"""The report of `make chaos`: the table per fault and the checker's verdict, as the section of
docs/failure-modes.md between BEGIN and END (the rest of the page belongs to `make chaos-light`). No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bench.chaos_rules import FaultFigures

BEGIN = "<!-- make chaos: begin (bench/chaos_full.py writes this section) -->"
END = "<!-- make chaos: end -->"


def replace_section(document: str, section: str) -> str:
    """`document` with the text between BEGIN and END replaced by `section` (appended when there is none)."""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}\n"
    start, end = document.find(BEGIN), document.find(END)
    if start == -1 or end == -1 or end < start:
        return document.rstrip() + "\n\n" + block
    return document[:start] + block + document[end + len(END) :].lstrip("\n")


def section_of(document: str) -> str:
    """The BEGIN..END block of `document`, markers included ("" when there is none)."""
    start, end = document.find(BEGIN), document.find(END)
    return document[start : end + len(END)] + "\n" if start != -1 and end > start else ""


def _lost(figures: FaultFigures) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in figures.lost.items()) or "nothing"


def markdown(
    figures: Sequence[FaultFigures],
    *,
    started_at: str,
    command: str,
    rates: Mapping[str, float],
    acked: Mapping[str, int],
    verdict: Mapping[str, Any],
    violations: int,
    settle_seconds: float,
    stopped_early: str = "",
) -> str:
    lines = [
        "## Faults under load, and what was lost (`make chaos`)",
        "",
        f"Produced by `{command}` (bench/chaos_full.py) at {started_at}; raw figures in",
        "bench/results/chaos-full-*.json. Do not edit by hand: run it again.",
        "",
        "Method: a mixed load runs through the gateway the whole time (operations a second: "
        + ", ".join(f"{name} {rate:g}" for name, rate in rates.items())
        + "), writes retried as an app does (the same `Idempotency-Key` on every attempt of a post, like or comment;"
        " `Retry-After` or a backoff; given up after 45 s). Each fault in turn: SIGKILL of the process group and a"
        " restart with the stack's own scripts, or a SIGSTOP pause longer than the clients' 12 s timeout. Then the"
        " checker holds the system to every acknowledged operation (bench/chaos_checker.py): each post, follow,"
        " like and comment in PostgreSQL and through the API exactly once, the sampled home feeds equal to the"
        " model, like and comment counts equal to the recount of their rows, no notification twice.",
        "",
        "Columns: attempts of the clients while the fault's window lasted (from its injection to the next one), the"
        " share that got no answer or a 5xx (`error rate`), contract violations (a 5xx other than a 503 with"
        " `Retry-After`), `down`: until the restart answered (or the pause ended), `recovered`: until the last"
        " impaired answer of the window (error or degraded feed), operations given up, and acknowledged items"
        " of the window the checker did not find (by the time of their acknowledgement: a write a crash loses was"
        " acknowledged just before it, in the previous fault's window; `lost_when` in the JSON says when).",
        "",
        "| fault | attempts | error rate | violations | down (s) | recovered (s) | given up | lost |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.attempts} | {100 * f.error_rate:.1f}% | {f.violations} | {f.down_seconds:.1f} | "
            f"{f.recovery_seconds:.1f} | {f.gave_up} | {_lost(f)} |"
        )
    if stopped_early:
        lines += ["", f"The schedule stopped early: {stopped_early}."]
    lost = verdict.get("lost", {})
    doubled = verdict.get("doubled", {})
    lines += [
        "",
        "Acknowledged: " + ", ".join(f"{n} {kind}" for kind, n in acked.items()) + ".",
        "",
        f"Checker (held after {settle_seconds:.0f} s of settling): "
        + ("everything acknowledged is there exactly once; " if not lost and not doubled else "")
        + f"lost {sum(len(v) for v in lost.values())}, doubled {sum(len(v) for v in doubled.values())}, "
        f"inexact feeds {len(verdict.get('feeds', {}))} of {verdict.get('checked', {}).get('feeds', 0)}, "
        f"counters unlike their recount {len(verdict.get('counters', {}))} of "
        f"{verdict.get('checked', {}).get('api_posts', 0)} posts, "
        f"users with a repeated notification {len(verdict.get('notification_duplicates', {}))} of "
        f"{verdict.get('checked', {}).get('notification_lists', 0)}; "
        f"contract violations {violations}.",
    ]
    return "\n".join(lines) + "\n"
