"""Post ids as Redis members: fixed-width decimal strings, so lexicographic order is numeric order.

Sorted-set scores are doubles and cannot hold a 64-bit id exactly (ids are above 2**53), so the timeline sorted
sets give every member the score 0 and order them by member, using ZREVRANGEBYLEX for exact cursor arithmetic.
"""

from __future__ import annotations

WIDTH = 19  # digits of the largest int64
ZERO = "0" * WIDTH


def to_member(post_id: int) -> str:
    if post_id < 0:
        raise ValueError("post ids are positive")
    return f"{post_id:0{WIDTH}d}"


# A member back to its id is int() itself, not a function around it: a read maps dozens of members at C speed.
from_member = int
