"""The dashboard in headless Chromium: what each panel drew, and a screenshot.

    python -m gateway.dashboard_browser --screenshot docs/dashboard.png [--range 30m] [--end UNIX_SECONDS]

(`make dashboard-shot`). Runs tools/dashboard_browser.mjs with node against the gateway's dashboard listener;
Chromium is Debian's `chromium` and playwright-core comes from the npm cache (`make browser` installs both).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from gateway.headless import browser_command
from gateway.settings import load_gateway_settings
from stack.settings import ROOT

SCRIPT = ROOT / "tools" / "dashboard_browser.mjs"


@dataclass(frozen=True)
class PanelReport:
    title: str
    state: str  # ok, empty, error (or loading: it never answered)
    points: int  # finite samples drawn
    series: int
    canvas: bool
    error: str


@dataclass(frozen=True)
class PageReport:
    status: int
    state: str  # ready, error
    problems: str
    window: Mapping[str, int]  # start, end, step of the query_range calls
    panels: list[PanelReport]
    console_errors: list[str]


def dashboard_url(range_: str = "", end: int | None = None, environ: Mapping[str, str] | None = None) -> str:
    settings = load_gateway_settings(environ)
    params: dict[str, Any] = {}
    if range_:
        params["range"] = range_
    if end is not None:
        params["end"] = end
    query = f"?{urlencode(params)}" if params else ""
    return f"http://127.0.0.1:{settings.dashboard_port}/dashboard/{query}"


def browse(url: str, screenshot: Path | None = None, timeout: float = 90) -> PageReport:
    """Loads the page, waits until every panel answered; raises RuntimeError when the browser cannot run."""
    command = browser_command(SCRIPT, url)
    if screenshot is not None:
        command += ["--screenshot", str(screenshot)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    raw = json.loads(done.stdout)
    return PageReport(
        status=raw["status"],
        state=raw["state"],
        problems=raw["problems"],
        window=raw["window"],
        panels=[PanelReport(**panel) for panel in raw["panels"]],
        console_errors=raw["console_errors"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.dashboard_browser", description=__doc__.split("\n")[0])
    parser.add_argument("--screenshot", type=Path, help="save the whole page as this PNG")
    parser.add_argument("--range", default="", help="time range (15m, 1h, 2d; default panels.json's)")
    parser.add_argument("--end", type=int, help="end of the window, unix seconds (default: now)")
    args = parser.parse_args(argv)
    url = dashboard_url(args.range, args.end)
    try:
        report = browse(url, args.screenshot)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"dashboard: {exc}", file=sys.stderr)
        return 1
    for panel in report.panels:
        print(f"  {panel.state:<6} {panel.points:>6} points  {panel.title}{'  ' + panel.error if panel.error else ''}")
    if args.screenshot:
        print(f"{url} -> {args.screenshot}")
    return 0 if report.state == "ready" else 1


if __name__ == "__main__":
    raise SystemExit(main())
