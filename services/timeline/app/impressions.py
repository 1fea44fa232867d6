"""Impressions of served pages, for a sampled fraction of pages (all of a sampled page's items, so a page's
positions stay together in the training data). Logging never waits: the log queues them (ports.ImpressionLog)."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.timeline.app.ports import ImpressionLog
from services.timeline.domain.feed import FeedPage
from services.timeline.domain.impressions import impressions_of


@dataclass(kw_only=True)
class Impressions:
    log: ImpressionLog
    sample: float  # the fraction of pages logged, 0 to 1
    draw: Callable[[], float] = field(default=random.random)

    def page_served(self, viewer: int, page: FeedPage, first_position: int) -> None:
        if not page.items or self.sample <= 0 or (self.sample < 1 and self.draw() >= self.sample):
            return
        self.log.log(impressions_of(viewer, page, first_position, secrets.token_hex(8), time.time_ns()))
