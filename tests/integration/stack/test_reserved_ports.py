"""`make up` reserves the services' ports that lie in the kernel's ephemeral range (stack/lib.sh reserve_ports), so
that no outgoing connection is given one while its service restarts."""

import os
from pathlib import Path

import pytest

from stack.settings import StackSettings

RESERVED = Path("/proc/sys/net/ipv4/ip_local_reserved_ports")
RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _reserved() -> set[int]:
    ports: set[int] = set()
    for part in filter(None, RESERVED.read_text().strip().split(",")):
        low, _, high = part.partition("-")
        ports.update(range(int(low), int(high or low) + 1))
    return ports


def test_the_services_ports_in_the_ephemeral_range_are_reserved(stack_settings: StackSettings) -> None:
    if os.geteuid() != 0 or not os.access(RESERVED, os.W_OK):
        pytest.skip("reserving ports needs root and a writable /proc/sys")
    low, high = map(int, RANGE.read_text().split())
    targets = [v for k, v in stack_settings.values.items() if k.endswith("_TARGET") and v]
    ports = {int(t.rpartition(":")[2]) for t in targets}
    inside = {p for p in ports if low <= p <= high}
    assert inside, "the default targets (5005x) lie in the ephemeral range: this test checks nothing otherwise"
    assert inside <= _reserved()
