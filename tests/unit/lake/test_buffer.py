"""The archiver's buffers: runs, the objects they make, and how a predecessor's plan makes a replay cut the same run."""

from __future__ import annotations

from datetime import UTC, datetime

from services.lake.domain.buffer import PartitionBuffer, Plan, Row

H0 = datetime(2026, 12, 7, 1, tzinfo=UTC)
H1 = datetime(2026, 12, 7, 2, tzinfo=UTC)


def row(offset: int, kind: str = "post_liked", hour: datetime = H0) -> Row:
    return Row(kind, hour, offset, {"event_id": f"e{offset}"})


def test_a_run_makes_one_object_per_type_and_hour_named_by_its_offsets() -> None:
    buffer = PartitionBuffer("feedmesh.engagement", 3)
    for r in (row(5), row(6, "comment_created"), row(7, hour=H1), row(8)):
        buffer.add(r)
    run = buffer.take(force=False)
    assert run is not None and (run.first, run.last) == (5, 8) and not buffer.rows
    objects = run.objects()
    name = "part-feedmesh.engagement-3-0000000000000000005-0000000000000000008.parquet"
    assert sorted(objects) == [
        f"events/comment_created/dt=2026-12-07/hour=01/{name}",
        f"events/post_liked/dt=2026-12-07/hour=01/{name}",
        f"events/post_liked/dt=2026-12-07/hour=02/{name}",
    ]
    assert [r["event_id"] for r in objects[f"events/post_liked/dt=2026-12-07/hour=01/{name}"][1]] == ["e5", "e8"]


def test_a_plan_cuts_the_replayed_run_at_the_same_offset() -> None:
    buffer = PartitionBuffer("t", 0, plan=Plan("t", 0, first=10, last=12))
    buffer.add(row(10))
    buffer.add(row(11))
    assert buffer.take(force=False) is None  # held until offset 12 is in
    buffer.add(row(12))
    buffer.add(row(13))
    run = buffer.take(force=False)
    assert run is not None and (run.first, run.last) == (10, 12)
    assert [r.offset for r in buffer.rows] == [13] and buffer.plan is None


def test_a_stale_plan_is_dropped_and_force_writes_what_is_held() -> None:
    stale = PartitionBuffer("t", 0, plan=Plan("t", 0, first=3, last=9))
    stale.add(row(10))
    run = stale.take(force=False)
    assert run is not None and (run.first, run.last) == (10, 10)
    forced = PartitionBuffer("t", 0, plan=Plan("t", 0, first=10, last=20))
    forced.add(row(10))
    run = forced.take(force=True)
    assert run is not None and run.last == 10


def test_a_redelivery_replaces_what_was_held_and_a_failed_run_goes_back_with_its_plan() -> None:
    buffer = PartitionBuffer("t", 0)
    for offset in (1, 2, 3):
        buffer.add(row(offset))
    buffer.add(row(2))  # the consumer went back to 2
    assert [r.offset for r in buffer.rows] == [1, 2]
    run = buffer.take(force=False)
    assert run is not None
    buffer.add(row(3))
    buffer.restore(run)
    assert [r.offset for r in buffer.rows] == [1, 2, 3] and buffer.plan == Plan("t", 0, 1, 2)
    assert Plan.from_json(run.plan().to_json()) == run.plan()
