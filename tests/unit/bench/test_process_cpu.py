"""Naming processes by the stack's pid files and summing their CPU between two snapshots."""

from __future__ import annotations

from pathlib import Path

from bench.process_cpu import CLIENT, OTHER, CpuSnapshot, cores_used, name_of, named_pids, parse_stat, snapshot


def test_stat_fields_are_counted_from_the_last_parenthesis() -> None:
    # comm may hold spaces and parentheses; ppid is field 4, utime and stime fields 14 and 15
    text = "4242 (python (x) y) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 9 0 12345 1 1"
    assert parse_stat(text) == (17, 280)


def test_children_take_their_parents_name_and_strangers_are_other() -> None:
    names = {100: "postgres", 200: "svc-timeline"}
    parents = {101: 100, 102: 101, 300: 1, 200: 1}
    assert name_of(102, parents, names, own=999) == "postgres"  # a backend's child still counts as postgres
    assert name_of(200, parents, names, own=999) == "svc-timeline"
    assert name_of(300, parents, names, own=999) == OTHER
    assert name_of(999, parents, names, own=999) == CLIENT


def test_pid_files_name_their_processes(tmp_path: Path) -> None:
    (tmp_path / "kafka.pid").write_text("1234 99887766\n")
    (tmp_path / "broken.pid").write_text("")
    assert named_pids(tmp_path) == {1234: "kafka"}


def test_cores_used_sums_per_name_over_the_interval() -> None:
    before = CpuSnapshot(10.0, {1: ("cassandra", 1_000), 2: ("svc-post", 500), 3: ("svc-post", 0)})
    after = CpuSnapshot(12.0, {1: ("cassandra", 1_300), 2: ("svc-post", 550), 3: ("svc-post", 50), 4: (OTHER, 20)})
    # 100 ticks/s over 2 s: 300 ticks = 150% of a core
    assert cores_used(before, after, hz=100) == {"cassandra": 150.0, "svc-post": 50.0, OTHER: 10.0}
    assert cores_used(after, after, hz=100) == {}


def test_a_snapshot_of_this_machine_finds_this_process() -> None:
    snap = snapshot(pids_dir=Path("/nonexistent"))
    assert any(name == CLIENT for name, _ in snap.ticks.values())
