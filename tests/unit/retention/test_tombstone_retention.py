"""The post tombstone retention rule (services.common.tombstone_retention): a tombstone outlives every copy of its
post a reader may still serve."""

from __future__ import annotations

import pytest

from services.common import tombstone_retention as rule


def test_the_retention_is_the_readers_maximum_age_plus_a_margin() -> None:
    assert rule.retention_seconds(3600) == 3600 + rule.MARGIN_SECONDS
    assert rule.trim_before(10_000.0, 3600) == 10_000.0 - 3600 - rule.MARGIN_SECONDS
    with pytest.raises(ValueError):
        rule.retention_seconds(0)


@pytest.mark.parametrize("max_age", [1.0, 60.0, 3600.0])
@pytest.mark.parametrize("early", [0.0, 120.0, rule.MARGIN_SECONDS])
def test_no_reader_serves_a_copy_whose_tombstone_may_be_trimmed(max_age: float, early: float) -> None:
    # A reader asks the post service at `asked`, gets the post live, and serves the copy until asked + max_age. The
    # deletion commits `delay` after the ask; its tombstone's time may read up to `early` seconds before that (the
    # marking host's clock behind the trimming one's, or a rebuild scoring by the row's time, stamped before commit).
    for asked in (0.0, 500.0):
        for delay in (0.0, 0.001, max_age / 2, max_age):
            marked_at = asked + delay - early
            for served_at in (asked + delay, asked + max_age / 2, asked + max_age):
                if served_at < asked + delay:
                    continue  # not deleted yet: nothing to tell
                assert rule.still_needed(marked_at, served_at, max_age)


def test_a_tombstone_goes_once_no_copy_can_be_served() -> None:
    max_age = 3600.0
    marked_at = 1_000_000.0
    assert rule.still_needed(marked_at, marked_at + max_age + rule.MARGIN_SECONDS, max_age)
    assert not rule.still_needed(marked_at, marked_at + max_age + rule.MARGIN_SECONDS + 1, max_age)
