"""latest.json and latest.md keep every benchmark's last figures: the timeline's at the top, then each later one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import latest
from tests.unit.bench import test_engagement_report, test_notifications


def framed(figures: dict[str, Any], started: str) -> dict[str, Any]:
    machine = {"nproc": 2, "cpu_model": "x", "memory_gib": 8, "python": "3", "grpcio": "1"}
    return {**figures, "started_at": started, "machine": machine, "settings": {}, "method": ["how"]}


def test_a_run_adds_its_section_and_keeps_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latest, "RESULTS", tmp_path)
    (tmp_path / "latest.json").write_text(json.dumps({"baselines": {}, "started_at": "earlier"}))
    engagement = framed(test_engagement_report.figures(), "2026-12-06T00:00:00+00:00")
    latest.write_run("engagement", engagement, "20261206T000000Z")
    notification = framed(test_notifications.figures(), "2026-12-06T01:00:00+00:00")
    json_path, md_path = latest.write_run("notification", notification, "20261206T010000Z")

    assert json_path.name == "notification-20261206T010000Z.json" and json_path.exists()
    kept = json.loads((tmp_path / "latest.json").read_text())
    assert kept["started_at"] == "earlier" and kept["engagement"]["started_at"] == "2026-12-06T00:00:00+00:00"
    assert kept["notification"]["json_file"] == f"bench/results/{json_path.name}"
    text = md_path.read_text()
    # the timeline figures here are too old to render: said so, and the two tables follow in order
    assert (
        text.index("# Timeline benchmark")
        < text.index("# Engagement benchmark, 2026-12-06")
        < text.index("# Notification benchmark, 2026-12-06T01")
    )
    assert "| likes/s, storm: 2,000 users like one post | 400/s |" in text
    assert "LIKE storm: 100 likes of one celebrity post = 2,000 notifications, beside the mix" in text

    again = framed(test_engagement_report.figures(storm=300.0), "2026-12-06T02:00:00+00:00")
    latest.write_run("engagement", again, "20261206T020000Z")  # a later engagement run keeps the notification table
    assert "# Notification benchmark" in (tmp_path / "latest.md").read_text()
