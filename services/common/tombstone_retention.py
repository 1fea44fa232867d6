"""How long a post tombstone must be kept: the rule that lets the tombstone set (services.common.post_tombstones)
forget.

A tombstone exists only to tell a reader that a post it holds in memory is deleted. A reader keeps a post at most
`post_cache_max_age` seconds, counted from just before it asked the post service (so the copy was read no later
than that), and the post service answers only live posts: a copy still served at time t was read at or after
t - max_age, while the post was live, so its deletion was marked after t - max_age. Keeping every tombstone
max_age seconds therefore covers every copy; the margin covers the clocks of different hosts (the marker's wall
clock against the reader's) and a deletion's row stamped a little before its commit (a rebuild scores by it).
Past the window a reader holds no copy of the post, and the post service, asked again, leaves it out.
"""

from __future__ import annotations

DEFAULT_POST_CACHE_MAX_AGE_SECONDS = 3600.0
MARGIN_SECONDS = 300.0


def retention_seconds(post_cache_max_age_seconds: float) -> float:
    """How long a tombstone is kept when readers keep posts at most `post_cache_max_age_seconds`."""
    if post_cache_max_age_seconds <= 0:
        raise ValueError("a post cache's maximum age must be positive")
    return post_cache_max_age_seconds + MARGIN_SECONDS


def trim_before(now: float, post_cache_max_age_seconds: float) -> float:
    """Tombstones marked before this time (seconds since the epoch, `now`'s clock) may go."""
    return now - retention_seconds(post_cache_max_age_seconds)


def still_needed(marked_at: float, now: float, post_cache_max_age_seconds: float) -> bool:
    """Whether a reader may still hold a copy of a post whose deletion was marked at `marked_at`."""
    return marked_at >= trim_before(now, post_cache_max_age_seconds)
