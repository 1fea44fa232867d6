"""A benchmark run restores the services it restarted, also when its measurement fails."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.report import Row
from bench.runner import Restore, measure_and_report, new_figures


def frame() -> dict[str, Any]:
    return new_figures(datetime(2026, 12, 6, 22, 0, 5, tzinfo=UTC), {"users": 1}, ["how"])


async def test_a_failed_measurement_is_restored_after_and_its_error_kept() -> None:
    restored: list[str] = []

    async def failing() -> None:
        raise RuntimeError("measurement broke")

    def never(f: dict[str, Any], stamp: str) -> tuple[Path, Path]:
        raise AssertionError("nothing is written for a failed run")

    with pytest.raises(RuntimeError, match="measurement broke"):
        await measure_and_report(frame(), failing(), Restore("x", lambda: restored.append("x")), lambda f: [], never)
    assert restored == ["x"]


async def test_a_run_is_timed_and_written_under_its_start_time(tmp_path: Path) -> None:
    written: list[str] = []

    async def measured() -> None:
        return None

    def write(f: dict[str, Any], stamp: str) -> tuple[Path, Path]:
        written.append(stamp)
        return tmp_path / "a" / "b" / "x.json", tmp_path / "a" / "b" / "x.md"

    figures = frame()
    await measure_and_report(figures, measured(), None, lambda f: [Row("figure", "1")], write)
    assert written == ["20261206T220005Z"] and figures["timings"]["total"] >= 0
