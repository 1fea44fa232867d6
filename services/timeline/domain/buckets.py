"""Bucket math of the Cassandra timelines: a row's partition is (owner, bucket), the bucket being the number of
whole bucket widths between the id epoch and the moment the post id was issued (post ids are time-ordered)."""

from __future__ import annotations

from services.common.ids import EPOCH_MS, id_time_ms

DAY_MS = 86_400_000
# Home timelines receive every followee's posts: one partition per user per day stays small.
HOME_BUCKET_MS = DAY_MS
# An author's own posts are few per day: a week per partition.
USER_BUCKET_MS = 7 * DAY_MS


def bucket_of(post_id: int, width_ms: int) -> int:
    """The bucket that holds `post_id`; ids issued before the epoch (never, in practice) land in bucket 0."""
    if width_ms <= 0:
        raise ValueError("bucket width must be positive")
    return max(id_time_ms(post_id) - EPOCH_MS, 0) // width_ms


def home_bucket(post_id: int) -> int:
    return bucket_of(post_id, HOME_BUCKET_MS)


def user_bucket(post_id: int) -> int:
    return bucket_of(post_id, USER_BUCKET_MS)


def start_bucket(before_id: int | None, width_ms: int) -> int:
    """The newest bucket a read of ids strictly below `before_id` must look at (None: no upper bound)."""
    if before_id is None:
        return 2**31 - 1
    return bucket_of(max(before_id - 1, 0), width_ms)
