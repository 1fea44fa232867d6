"""Which home timeline rows may be dropped, and how (app/home_sweep.py).

The durable fanout skips readers with no activity mark (`FEEDMESH_INACTIVE_DAYS` after their last read), and the
first read of such a reader resets its sources: every followee is then pulled from `user_timeline` until it is
backfilled again, so no read trusts a home row written before that read. A reader with no activity mark can
therefore lose all its home rows. The deletion carries a write time taken before the activity was checked, less a
margin: Cassandra drops only cells written before it, so whatever a reader's return writes (backfills, fanout)
survives even when the sweep deletes a moment later.

The bucket index needs more care: a writer skips an index row it wrote itself lately (adapters/cassandra_store.py),
for INDEX_MEMORY_SECONDS at most. The margin exceeds that memory (plus a minute for the clocks of other hosts), so an
index row a writer relies on after the check is newer than the deletion and stays; and once the rows are deleted,
the sweep writes the index row again for any bucket that still has rows (rows written between the deletion's time and
the check), so that no row is left without its index.
"""

from __future__ import annotations

INDEX_MEMORY_SECONDS = 600.0
DELETION_MARGIN_SECONDS = INDEX_MEMORY_SECONDS + 60.0


def deletion_timestamp_us(checked_at: float) -> int:
    """The Cassandra write time (microseconds) of the deletion of rows whose owner was found inactive by a check
    that began at `checked_at` (seconds since the epoch)."""
    return int((checked_at - DELETION_MARGIN_SECONDS) * 1_000_000)


def droppable(owners: list[int], active: list[bool]) -> list[int]:
    """The owners whose home rows may go: those with no activity mark."""
    return [owner for owner, is_active in zip(owners, active, strict=True) if not is_active]
