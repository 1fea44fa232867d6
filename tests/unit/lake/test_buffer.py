"""The archiver's buffers: runs, the objects they make, and how remembered runs (this process's, or a predecessor's
plan) make a replay cut the same runs."""

from __future__ import annotations

from datetime import UTC, datetime

from services.lake.domain.buffer import RUNS_REMEMBERED, PartitionBuffer, Plan, Row

H0 = datetime(2026, 12, 7, 1, tzinfo=UTC)
H1 = datetime(2026, 12, 7, 2, tzinfo=UTC)


def row(offset: int, kind: str = "post_liked", hour: datetime = H0) -> Row:
    return Row(kind, hour, offset, {"event_id": f"e{offset}"})


def fill(buffer: PartitionBuffer, *offsets: int) -> None:
    for offset in offsets:
        buffer.add(row(offset))


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
    assert buffer.plan() == Plan("feedmesh.engagement", 3, {5: 8})


def test_a_predecessors_runs_cut_the_replay_at_the_same_offsets() -> None:
    buffer = PartitionBuffer("t", 0, runs=Plan.from_json(Plan("t", 0, {10: 12, 13: 14}).to_json()).runs)
    fill(buffer, 10, 11)
    assert buffer.take(force=False) is None  # held until offset 12 is in
    fill(buffer, 12, 13, 14, 15)
    runs = buffer.take_all(force=False)
    assert [(r.first, r.last) for r in runs] == [(10, 12), (13, 14), (15, 15)]
    assert not buffer.rows


def test_a_consumer_that_goes_back_to_an_older_commit_rewrites_the_same_runs() -> None:
    buffer = PartitionBuffer("t", 0)
    fill(buffer, 1, 2, 3)
    first = buffer.take(force=False)
    fill(buffer, 4, 5)
    second = buffer.take(force=False)
    assert first is not None and second is not None
    fill(buffer, 1, 2, 3, 4, 5, 6)  # the commits after offset 0 never happened: everything comes again
    assert [(r.first, r.last) for r in buffer.take_all(force=False)] == [(1, 3), (4, 5), (6, 6)]


def test_force_writes_what_is_held_and_only_the_newest_runs_are_remembered() -> None:
    forced = PartitionBuffer("t", 0, runs={10: 20})
    fill(forced, 10)
    run = forced.take(force=True)
    assert run is not None and run.last == 10 and forced.runs == {10: 10}
    many = PartitionBuffer("t", 0)
    for offset in range(RUNS_REMEMBERED + 5):
        fill(many, offset)
        many.take(force=False)
    assert len(many.runs) == RUNS_REMEMBERED and min(many.runs) == 5


def test_a_redelivery_replaces_what_was_held_and_a_failed_run_goes_back() -> None:
    buffer = PartitionBuffer("t", 0)
    fill(buffer, 1, 2, 3)
    buffer.add(row(2))  # the consumer went back to 2
    assert [r.offset for r in buffer.rows] == [1, 2]
    run = buffer.take(force=False)
    assert run is not None
    buffer.add(row(3))
    buffer.restore(run)
    assert [r.offset for r in buffer.rows] == [1, 2, 3]
    assert [(r.first, r.last) for r in buffer.take_all(force=False)] == [(1, 2), (3, 3)]
