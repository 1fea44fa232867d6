"""Who gets a batch of one author's posts, and how: the plan of a fanout, one page of the author's followers at a
time. No I/O: listing the followers and delivering what is planned are app.ingest's and app.fanout_delivery's.

A page is planned one of three ways:
- pulled: the graph counts the author as a celebrity (as its first page of followers says): nothing is pushed,
  readers merge the author's posts at read time;
- inline: a small audience, whole on one page: pushed into the Redis home timelines by the post events consumer
  itself, its tasks sent for the durable write only;
- tasks: every post for every chunk of the page's followers, pushed by the fanout workers; each chunk is named
  (by its first reader) as in flight before it goes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from services.timeline.domain.delivery import chunked


@dataclass(frozen=True)
class Publication:
    """A post.published event."""

    event_id: str
    post_id: int
    author_id: int
    create_time_ns: int


@dataclass(frozen=True)
class FanoutChunk:
    post_id: int
    author_id: int
    create_time_ns: int
    follower_ids: list[int]
    cache_written: bool = False
    """Already pushed into the followers' Redis home timelines: only the durable write remains."""


@dataclass(frozen=True)
class FanoutPolicy:
    chunk_size: int = 500
    # Audiences up to this many followers are pushed into Redis by the post events consumer itself, a Kafka hop
    # sooner and never queued in a fanout worker behind a large audience's chunks; larger ones are shared by the
    # fanout workers.
    inline_max: int = 1_000
    # Follower ids per ListFollowerIds call: the graph's maximum, so that an audience below the graph's default
    # celebrity threshold is listed in one call and all its tasks go out together (what a single post's readers wait
    # for).
    follower_page: int = 10_000


class Delivery(Enum):
    PULLED = "pulled"
    INLINE = "inline"
    TASKS = "tasks"


@dataclass(frozen=True)
class PagePlan:
    """What to do with one page of the author's followers."""

    delivery: Delivery
    chunks: list[FanoutChunk] = field(default_factory=list)
    """Every post for every chunk of the page's followers, post by post (none when pulled)."""
    in_flight: list[int] = field(default_factory=list)
    """The chunks left to the fanout workers, each named by its first reader (none when inline or pulled)."""
    more: bool = False
    """Another page of followers follows."""


def own_rows(author_id: int, posts: Sequence[Publication]) -> list[FanoutChunk]:
    """The author's own durable home rows: already written to its Redis home timeline, they go out with the first
    page's tasks, for the durable group to write like a follower's."""
    return [FanoutChunk(p.post_id, author_id, p.create_time_ns, [author_id], cache_written=True) for p in posts]


def plan_page(
    author_id: int,
    posts: Sequence[Publication],
    followers: Sequence[int],
    *,
    first: bool,
    last: bool,
    celebrity: bool,
    policy: FanoutPolicy,
) -> PagePlan:
    """Plans a page of the author's followers (`first`/`last`: the listing's first/last page; `celebrity`: whether
    the graph counts the author as one, as the page says)."""
    if first and celebrity:
        return PagePlan(Delivery.PULLED)
    audiences = list(chunked(followers, policy.chunk_size))
    chunks = [FanoutChunk(p.post_id, author_id, p.create_time_ns, audience) for p in posts for audience in audiences]
    if first and last and len(followers) <= policy.inline_max:
        return PagePlan(Delivery.INLINE, chunks)
    named = [audience[0] for audience in audiences if audience]
    return PagePlan(Delivery.TASKS, chunks, in_flight=named, more=not last)
