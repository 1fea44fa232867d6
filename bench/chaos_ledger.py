"""What the chaos run's clients were told: every attempt they made (a `Sample` of bench/chaos_load.py, the route
named after the operation) and every operation the system acknowledged, which the checker then holds it to.

Each write carries a token of its own in its text (posts, comments) so that a duplicate row made by a retry that
the server did not recognise shows up as a second row with the same token. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.chaos_load import Sample


@dataclass(frozen=True)
class AckedPost:
    post_id: int
    author_id: int
    token: str  # unique text of the post
    acked_at: float  # time.monotonic() of the acknowledgement


@dataclass(frozen=True)
class AckedComment:
    comment_id: int
    post_id: int
    author_id: int
    token: str
    acked_at: float


@dataclass(frozen=True)
class GaveUp:
    """An operation the client stopped retrying without an acknowledgement (its outcome is unknown to the client)."""

    op: str
    started: float
    last_status: str


@dataclass
class Ledger:
    users: dict[int, str] = field(default_factory=dict)  # id -> handle (accounts made before and during the run)
    registered: dict[int, float] = field(default_factory=dict)  # accounts the run registered -> acked_at
    posts: dict[int, AckedPost] = field(default_factory=dict)
    follows: dict[tuple[int, int], float] = field(default_factory=dict)  # (follower, followee) -> acked_at
    likes: dict[tuple[int, int], float] = field(default_factory=dict)  # (user, post) -> acked_at
    comments: dict[int, AckedComment] = field(default_factory=dict)
    attempts: list[Sample] = field(default_factory=list)
    gave_up: list[GaveUp] = field(default_factory=list)

    def attempts_between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.attempts if start <= s.started < end]

    def acked_counts(self) -> dict[str, int]:
        return {
            "registered": len(self.registered),
            "posts": len(self.posts),
            "follows": len(self.follows),
            "likes": len(self.likes),
            "comments": len(self.comments),
        }
