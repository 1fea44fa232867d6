"""What the chaos run's client saw, per stopped target and route: the answers counted during the outage, the
slowest one, how long after the restart the route kept failing; which answers break the contract; and the table
of docs/failure-modes.md."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.chaos_load import RATES, ROUTE_DEADLINE_SECONDS, Sample

# A hang: an answer (or none) later than the route's deadline, with a little slack for the client's own scheduling.
HANG_SECONDS = ROUTE_DEADLINE_SECONDS + 1.0


def is_violation(sample: Sample) -> bool:
    """An answer the contract forbids in an outage: a 5xx other than 503, a 503 without Retry-After, no answer (a
    hang or a refused connection), or an answer past the route's deadline."""
    if sample.status in ("timeout", "error") or sample.seconds > HANG_SECONDS:
        return True
    if sample.status.startswith("5"):
        return sample.status != "503" or not sample.retry_after
    return False


def is_impaired(sample: Sample) -> bool:
    """Not the full answer: a violation, a 503, or a degraded feed."""
    return is_violation(sample) or sample.status.startswith("5") or sample.status.endswith("-degraded")


@dataclass
class RouteOutcome:
    statuses: dict[str, int] = field(default_factory=dict)  # during the outage: stop until the restart answered
    max_seconds: float = 0.0
    recovery_seconds: float = 0.0  # after the restart answered, until the route's last impaired answer
    after_statuses: dict[str, int] = field(default_factory=dict)
    violations: int = 0


@dataclass
class TargetOutcome:
    target: str
    kind: str  # "component" or "service"
    stop_seconds: float
    outage_seconds: float  # from the stop command to the restart's answer
    restart_seconds: float  # the stack's start script alone
    routes: dict[str, RouteOutcome]

    @property
    def violations(self) -> int:
        return sum(r.violations for r in self.routes.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "stop_seconds": round(self.stop_seconds, 2),
            "outage_seconds": round(self.outage_seconds, 2),
            "restart_seconds": round(self.restart_seconds, 2),
            "violations": self.violations,
            "routes": {
                name: {
                    "during": r.statuses,
                    "max_seconds": round(r.max_seconds, 3),
                    "after": r.after_statuses,
                    "recovery_seconds": round(r.recovery_seconds, 2),
                    "violations": r.violations,
                }
                for name, r in self.routes.items()
            },
        }


def outcome(
    target: str, kind: str, samples: Sequence[Sample], *, stopping: float, stopped: float, ready: float, restart: float
) -> TargetOutcome:
    """Samples started from `stopping` (the stop command) on; `ready` is when the restart answered."""
    routes: dict[str, RouteOutcome] = {}
    for name in RATES:
        mine = [s for s in samples if s.route == name]
        during = [s for s in mine if s.started < ready]
        after = [s for s in mine if s.started >= ready]
        impaired_after = [s.ended for s in after if is_impaired(s)]
        routes[name] = RouteOutcome(
            statuses=dict(sorted(Counter(s.status for s in during).items())),
            max_seconds=max((s.seconds for s in during), default=0.0),
            recovery_seconds=max(impaired_after, default=ready) - ready,
            after_statuses=dict(sorted(Counter(s.status for s in after).items())),
            violations=sum(1 for s in mine if is_violation(s)),
        )
    return TargetOutcome(target, kind, stopped - stopping, ready - stopping, ready - restart, routes)


def _cell(route: RouteOutcome) -> str:
    counts = " ".join(f"{status}:{n}" for status, n in route.statuses.items()) or "none"
    mark = " **!**" if route.violations else ""
    return f"{counts}; max {route.max_seconds:.2f} s; rec {route.recovery_seconds:.1f} s{mark}"


def markdown(outcomes: Sequence[TargetOutcome], *, started_at: str, command: str, outage_seconds: float) -> str:
    routes = list(RATES)
    lines = [
        "# Failure modes: what a client sees while a part of the stack is down",
        "",
        f"Produced by `{command}` (bench/chaos.py) at {started_at}; raw figures in bench/results/chaos-*.json. Do not",
        "edit by hand: run it again.",
        "",
        "Method: a light load runs through the gateway the whole time (calls a second: "
        + ", ".join(f"{name} {rate:g}" for name, rate in RATES.items())
        + "; each call started on schedule, whatever the earlier ones do). Each target in turn is stopped with the",
        f"stack's own scripts (`stack/ctl.sh stop`, `stop_name svc-<name>`), left down for {outage_seconds:g} s, and",
        "started again (`stack/ctl.sh start`, `stack/up.sh`), which returns once it answers.",
        "",
        "Each cell: the answers during the outage (from the stop until the restart answered) by HTTP status",
        "(`200-degraded`: a feed page flagged `degraded`, the recency order), the slowest of them, and `rec`: how long",
        "after the restart answered the route still gave an impaired answer (503, degraded, or worse). **!** marks a",
        "route that broke the contract (a 5xx other than 503, a 503 without `Retry-After`, no answer, or one past the",
        f"route's {ROUTE_DEADLINE_SECONDS:g} s deadline). 4xx answers are the load's own (a like of a post not yet",
        "visible, a budget) and count as answers.",
        "",
        "| stopped | down (s) | " + " | ".join(routes) + " |",
        "|---|---|" + "---|" * len(routes),
    ]
    for o in outcomes:
        cells = " | ".join(_cell(o.routes[name]) for name in routes)
        lines.append(f"| {o.target} | {o.outage_seconds:.1f} | {cells} |")
    total = sum(o.violations for o in outcomes)
    lines += [
        "",
        f"Contract violations: {total}." if total else "Contract violations: none.",
        "",
        "Restart times (the stack's start script until the target answers): "
        + ", ".join(f"{o.target} {o.restart_seconds:.1f} s" for o in outcomes)
        + ".",
        "",
    ]
    return "\n".join(lines)
