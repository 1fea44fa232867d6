"""Restarting the services whose settings the benchmark changes, through the stack's own scripts: stop their
processes (stack/lib.sh `stop_name`, which checks the pid file's start time), then `stack/up.sh` starts whatever
is missing with the FEEDMESH_* environment it is given."""

from __future__ import annotations

import os
import subprocess
import time

from bench import ROOT

# every process stack/after-up.d/50-services.sh starts (pid file svc-<name>)
SERVICE_PROCESSES = (
    "auth",
    "graph",
    "post",
    "timeline",
    "timeline-ingest",
    "timeline-store",
    "ranking",
    "engagement",
    "notification",
    "media",
    "lake",
    "training",
)
THRESHOLD_VAR = "FEEDMESH_CELEBRITY_THRESHOLD"
# Only the graph reads FEEDMESH_CELEBRITY_THRESHOLD (it decides who is a celebrity). The timeline's reads and ingest
# keep copies of its answers by relationship version (followee splits, follower listings), which a new threshold does
# not change: restarting them drops the copies decided under the old one.
THRESHOLD_SERVICES = ("graph", "timeline", "timeline-ingest")


def _stop(services: tuple[str, ...]) -> None:
    stops = " && ".join(f"stop_name svc-{svc} TERM 30" for svc in services)
    subprocess.run(["bash", "-c", f"source stack/lib.sh && {stops}"], cwd=ROOT, check=True)


def restart(services: tuple[str, ...], env: dict[str, str | None]) -> float:
    """Stops `services`, then runs stack/up.sh with `env` applied (None removes a variable); returns seconds."""
    started = time.monotonic()
    _stop(services)
    child = dict(os.environ)
    for key, value in env.items():
        if value is None:
            child.pop(key, None)
        else:
            child[key] = value
    result = subprocess.run(["bash", "stack/up.sh"], cwd=ROOT, env=child, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"stack/up.sh failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.monotonic() - started


def set_celebrity_threshold(value: int | None) -> float:
    """Restarts the graph with FEEDMESH_CELEBRITY_THRESHOLD=value (None: the default), and the timeline's reads and
    ingest with it."""
    return restart(THRESHOLD_SERVICES, {THRESHOLD_VAR: None if value is None else str(value)})


# The engagement service's anti-abuse limits (stack/defaults.env): the benchmark's likers like far faster than people
# do, so its run lifts the like budgets and turns the burst guard off.
LIFTED_ENGAGEMENT_LIMITS = {
    "FEEDMESH_ENGAGEMENT_BURST_GUARD": "off",
    "FEEDMESH_ENGAGEMENT_LIKES_PER_MIN": "1000000",
    "FEEDMESH_ENGAGEMENT_LIKES_PER_DAY": "1000000",
}


def set_engagement_limits(lifted: bool) -> float:
    """Restarts the engagement service with its like budgets and burst guard lifted (True) or as the stack's
    settings have them (False)."""
    return restart(("engagement",), {var: value if lifted else None for var, value in LIFTED_ENGAGEMENT_LIMITS.items()})


# The ranking quality check's simulated users must have every page they read logged (the stack logs a tenth).
ALL_IMPRESSIONS = {"FEEDMESH_IMPRESSION_SAMPLE": "1.0"}


def log_all_impressions(on: bool) -> float:
    """Restarts the timeline's read server logging the impressions of every page (True) or as the stack's settings
    say (False)."""
    return restart(("timeline",), {var: value if on else None for var, value in ALL_IMPRESSIONS.items()})
