"""The checker's rules, without I/O: what a home feed must hold, which acknowledged writes are missing or doubled,
which notifications repeat, which counters differ from their recount, and the per-fault figures of the report.

Contract (docs/failure-modes.md): an answer is a violation when it is a 5xx other than a 503 with `Retry-After`.
No answer at all (a refused connection while the gateway is down, a client timeout while a component is paused) is
an error the client retries, not a violation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.chaos_load import Sample


def is_violation(sample: Sample) -> bool:
    if sample.status[:1] != "5":
        return False
    return sample.status != "503" or not sample.retry_after


def is_error(sample: Sample) -> bool:
    """No answer, or one that says the system could not do it now (5xx, 429 budgets excepted: they are the load's)."""
    return sample.status in ("timeout", "error") or sample.status[:1] == "5"


def is_impaired(sample: Sample) -> bool:
    return is_error(sample) or sample.status.endswith("-degraded")


def statuses_by_op(attempts: Iterable[Sample]) -> dict[str, dict[str, int]]:
    by_op: dict[str, Counter[str]] = {}
    for s in attempts:
        by_op.setdefault(s.route, Counter())[s.status] += 1
    return {op: dict(sorted(c.items())) for op, c in sorted(by_op.items())}


def expected_feed(viewer: int, follows: Iterable[tuple[int, int]], posts: Mapping[int, int]) -> list[int]:
    """The chronological home feed of `viewer` when every post is public: the live posts (id -> author) of the
    accounts the viewer follows and the viewer's own, newest (highest id) first."""
    authors = {followee for follower, followee in follows if follower == viewer} | {viewer}
    return sorted((pid for pid, author in posts.items() if author in authors), reverse=True)


@dataclass(frozen=True)
class FeedDiff:
    missing: list[int]
    extra: list[int]
    duplicates: list[int]
    out_of_order: bool

    @property
    def exact(self) -> bool:
        return not (self.missing or self.extra or self.duplicates or self.out_of_order)


def feed_diff(got: Sequence[int], want: Sequence[int]) -> FeedDiff:
    counts = Counter(got)
    return FeedDiff(
        missing=sorted(set(want) - set(got)),
        extra=sorted(set(got) - set(want)),
        duplicates=sorted(pid for pid, n in counts.items() if n > 1),
        out_of_order=list(got) != sorted(got, reverse=True),
    )


def once_each(acked: Iterable[Any], found: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """(acknowledged keys not found, keys found more than once): `found` holds one key per row or item."""
    counts = Counter(found)
    missing = [key for key in acked if counts[key] == 0]
    doubled = [key for key, n in counts.items() if n > 1]
    return missing, doubled


# A notification is one (kind, actor, post, comment): the same like or follow told twice is a duplicate.
NotificationKey = tuple[str, int, int, int]


def notification_duplicates(notes: Iterable[Mapping[str, Any]]) -> list[NotificationKey]:
    """The keys shown more than once, in the JSON shape of GET /v1/notifications (ids as strings, zero fields
    omitted)."""
    keys = notification_keys(notes)
    ids = Counter(str(n.get("id")) for n in notes)
    doubled = [key for key, count in Counter(keys).items() if count > 1]
    doubled += [("same id " + nid, 0, 0, 0) for nid, count in ids.items() if count > 1]
    return doubled


def expected_notifications(
    follows: Mapping[tuple[int, int], float],
    likes: Mapping[tuple[int, int], float],
    comments: Iterable[tuple[int, int, int, float]],
    post_authors: Mapping[int, int],
) -> dict[int, dict[NotificationKey, float]]:
    """What each recipient must have been told, with the acknowledgement time of the action: a FOLLOW per follow
    (every account of the run is public), a LIKE per like and a COMMENT per comment (comment id, post id, its
    author, acked_at) on a live post (`post_authors`: live post -> author) of someone else. Nobody is told of their
    own action, and a deleted post takes its notifications away."""
    told: dict[int, dict[NotificationKey, float]] = {}
    for (follower, followee), at in follows.items():
        if follower != followee:
            told.setdefault(followee, {})[("FOLLOW", follower, 0, 0)] = at
    for (user, post), at in likes.items():
        author = post_authors.get(post)
        if author is not None and author != user:
            told.setdefault(author, {})[("LIKE", user, post, 0)] = at
    for comment_id, post, commenter, at in comments:
        author = post_authors.get(post)
        if author is not None and author != commenter:
            told.setdefault(author, {})[("COMMENT", commenter, post, comment_id)] = at
    return told


def notification_keys(notes: Iterable[Mapping[str, Any]]) -> list[NotificationKey]:
    """The keys of notifications in the JSON shape of GET /v1/notifications (ids as strings, zero fields omitted)."""
    return [
        (
            str(n.get("kind", "")),
            int((n.get("actor") or {}).get("id", 0)),
            int(n.get("postId", 0)),
            int(n.get("commentId", 0)),
        )
        for n in notes
    ]


def counter_mismatches(
    shown: Mapping[int, tuple[int, int]], recount: Mapping[int, tuple[int, int]]
) -> dict[int, tuple[tuple[int, int], tuple[int, int]]]:
    """Posts whose (likes, comments) shown through the API differ from the recount of their rows: post ->
    (shown, recount). A post absent from `recount` has no rows: (0, 0)."""
    return {
        pid: (counts, recount.get(pid, (0, 0))) for pid, counts in shown.items() if counts != recount.get(pid, (0, 0))
    }


@dataclass(frozen=True)
class FaultWindow:
    """One fault of the schedule: `start` when it was injected, `restored` when the component answered again
    (restart returned, or the pause ended), `end` when the next fault began (or the load stopped)."""

    name: str
    kind: str  # "kill" or "pause"
    start: float
    restored: float
    end: float


@dataclass
class FaultFigures:
    name: str
    kind: str
    attempts: int = 0
    errors: int = 0
    violations: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    down_seconds: float = 0.0  # injection until the component answered again
    recovery_seconds: float = 0.0  # injection until the last impaired answer of the window ended
    gave_up: int = 0
    lost: dict[str, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        return self.errors / self.attempts if self.attempts else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "fault": self.name,
            "kind": self.kind,
            "attempts": self.attempts,
            "errors": self.errors,
            "error_rate": round(self.error_rate, 4),
            "violations": self.violations,
            "statuses": self.statuses,
            "down_seconds": round(self.down_seconds, 2),
            "recovery_seconds": round(self.recovery_seconds, 2),
            "gave_up": self.gave_up,
            "lost": self.lost,
        }


def window_of(at: float, windows: Sequence[FaultWindow]) -> str:
    """The fault during whose window `at` falls ("before faults" before the first one)."""
    for w in windows:
        if w.start <= at < w.end:
            return w.name
    return "before faults" if not windows or at < windows[0].start else "after faults"


def fault_figures(
    windows: Sequence[FaultWindow],
    attempts: Sequence[Sample],
    gave_up_at: Sequence[float],
    lost: Mapping[str, Sequence[float]],
) -> list[FaultFigures]:
    """Per fault: what the clients' attempts in its window saw, and what acknowledged in its window was lost
    (`lost`: kind of item -> the acknowledgement times of the lost ones)."""
    figures = []
    for w in windows:
        mine = [s for s in attempts if w.start <= s.started < w.end]
        impaired_ends = [s.ended for s in mine if is_impaired(s)]
        lost_here = {kind: sum(1 for t in times if w.start <= t < w.end) for kind, times in lost.items()}
        figures.append(
            FaultFigures(
                name=w.name,
                kind=w.kind,
                attempts=len(mine),
                errors=sum(1 for s in mine if is_error(s)),
                violations=sum(1 for s in mine if is_violation(s)),
                statuses=dict(sorted(Counter(s.status for s in mine).items())),
                down_seconds=w.restored - w.start,
                recovery_seconds=max(max(impaired_ends, default=w.start), w.restored) - w.start,
                gave_up=sum(1 for t in gave_up_at if w.start <= t < w.end),
                lost={kind: n for kind, n in lost_here.items() if n},
            )
        )
    return figures
