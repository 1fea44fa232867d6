"""bench/results/latest.json and latest.md, shared by the benchmarks `make bench` runs one after the other: the
timeline's last figures at the top of latest.json (bench.run writes it anew), each later benchmark's last figures
under its own key, and latest.md their tables in that order."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import engagement_report, notification_report
from bench.report import RESULTS, Row, markdown
from bench.report import build_rows as timeline_rows

# The benchmarks after the timeline's: key in latest.json (and prefix of their run files), title, table.
SECTIONS: dict[str, tuple[str, Callable[[dict[str, Any]], list[Row]]]] = {
    "engagement": ("Engagement benchmark", engagement_report.build_rows),
    "notification": ("Notification benchmark", notification_report.build_rows),
}


def _latest() -> dict[str, Any]:
    """latest.json as it is (empty when missing or unreadable)."""
    try:
        figures = json.loads((RESULTS / "latest.json").read_text())
    except (OSError, ValueError):
        return {}
    return figures if isinstance(figures, dict) else {}


def _section(title: str, build: Callable[[dict[str, Any]], list[Row]], figures: dict[str, Any]) -> str:
    try:
        return markdown(build(figures), figures, title=title)
    except (KeyError, TypeError, IndexError):
        return f"# {title}\n\nThe figures in latest.json are of an older format.\n"


def write_run(key: str, figures: dict[str, Any], stamp: str) -> tuple[Path, Path]:
    """`<key>-<stamp>.json`; latest.json and latest.md keep the other benchmarks' last figures and take these."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS / f"{key}-{stamp}.json"
    figures["json_file"] = f"bench/results/{json_path.name}"
    json_path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    latest = {**_latest(), key: figures}
    (RESULTS / "latest.json").write_text(json.dumps(latest, indent=2, default=str) + "\n")
    sections = []
    if "baselines" in latest:
        sections.append(_section("Timeline benchmark", timeline_rows, latest))
    sections += [_section(title, build, latest[k]) for k, (title, build) in SECTIONS.items() if k in latest]
    md = RESULTS / "latest.md"
    md.write_text("\n".join(sections))
    return json_path, md
