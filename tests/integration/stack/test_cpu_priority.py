"""The CPU priorities of stack/defaults.env (FEEDMESH_<PROCESS>_NICE) are what the running processes have: their
own nice value and, where the kernel groups sessions (autogroup), their session's."""

import os
from pathlib import Path

import pytest

from stack.settings import RUN

PRIORITIES = {
    "cassandra": "FEEDMESH_CASSANDRA_NICE",
    "redis": "FEEDMESH_REDIS_NICE",
    "svc-timeline": "FEEDMESH_SVC_TIMELINE_NICE",
    "svc-timeline-store": "FEEDMESH_SVC_TIMELINE_STORE_NICE",
}


def _pid(name: str) -> int:
    path = RUN / "pids" / f"{name}.pid"
    if not path.exists():
        pytest.skip(f"{name} is not started by this checkout's stack")
    return int(path.read_text().split()[0])


def _nice(pid: int) -> int:
    # /proc/<pid>/stat: the command sits in parentheses and may hold spaces; nice is the 19th field overall.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[16])


def _autogroup_nice(pid: int) -> int | None:
    """None where the kernel does not group sessions."""
    autogroup = Path(f"/proc/{pid}/autogroup")
    return int(autogroup.read_text().split()[-1]) if autogroup.exists() else None


def _expected(value: int) -> int:
    # Raising priority needs CAP_SYS_NICE: without it the process runs at 0 (spawn's documented fallback).
    return value if value >= 0 or os.geteuid() == 0 else 0


@pytest.mark.parametrize("name", sorted(PRIORITIES))
def test_process_runs_at_its_configured_nice_value(stack_settings, name):
    want = _expected(int(stack_settings[PRIORITIES[name]]))
    pid = _pid(name)
    assert _nice(pid) == want
    assert _autogroup_nice(pid) in (None, want)


@pytest.mark.parametrize("name", ["svc-post", "svc-timeline-ingest"])
def test_unconfigured_process_keeps_the_default_priority(stack_settings, name):
    pid = _pid(name)
    assert _nice(pid) == 0
    assert _autogroup_nice(pid) in (None, 0)
