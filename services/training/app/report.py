"""The A/B report from the lake: each experiment arm's impressions and how many were followed by an engagement of
the viewer with the post within the label window (the same rule as the training labels)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from services.training.app.ports import Lake
from services.training.domain.events import history
from services.training.domain.experiments import ArmResult, arm_results
from services.training.domain.labels import label

REPORT_TYPES = ("feed_impression", "post_liked", "comment_created", "post_shared")


async def experiment_report(lake: Lake, since: datetime, until: datetime, window: timedelta) -> list[ArmResult]:
    # Engagements may follow the last impressions by up to a window.
    frames = await lake.read(REPORT_TYPES, since, until + window)
    found = history(frames)
    shown = found.impressions.filter(found.impressions["t"] < until)

    def compute() -> list[ArmResult]:
        return arm_results(shown.select("experiment").with_columns(label(shown, found, window)))

    return await asyncio.to_thread(compute)
