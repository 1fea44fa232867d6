"""The short version of `make chaos` (bench/chaos_full.py): a light mixed load through the gateway while the
engagement service and then Redis are killed (SIGKILL) and restarted with the stack's own scripts, then the checker
holds the system to every acknowledged operation: each post, follow, like and comment once in PostgreSQL and through
the API, the sampled home feeds exact, like and comment counts equal to their recount, no notification twice, and
no answer that breaks the contract (a 5xx other than a 503 with Retry-After).

It stops parts of the shared stack: run it alone (TEAM-RULES.md: the exclusive locks). Whatever happens it ends by
resuming and starting whatever is not running, and waits until the gateway and the services answer, so the tests
after it find the stack as it was.

While Redis is down the load goes on (follows commit in PostgreSQL): every sampled feed must still be exact once it
is back (docs/failure-modes.md, "A Redis kill").
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator

import pytest

from bench.chaos_faults import STACK_ROOT, Fault, pid_of
from bench.chaos_full import execute
from services.common.polling import wait_until
from stack.settings import StackSettings
from tests.e2e.conftest import _answers

FAULTS = [Fault("kill svc-engagement", "kill", "svc-engagement"), Fault("kill redis", "kill", "redis")]
LIGHT = {"register": 0.1, "follow": 0.5, "post": 1.0, "like": 1.0, "comment": 0.5, "feed": 1.0, "notifications": 0.5}


@pytest.fixture
def stack_restored(stack: StackSettings) -> Iterator[None]:
    yield
    if any(pid_of(f.process) is None for f in FAULTS) or not _answers(stack):
        subprocess.run(["bash", "stack/up.sh"], cwd=STACK_ROOT, check=False)
    asyncio.run(wait_until(lambda: _answers(stack), what="the gateway and the services", within=60, interval=0.5))


def test_killed_services_lose_nothing_acknowledged(stack_restored: None) -> None:
    before = {f.process: pid_of(f.process) for f in FAULTS}
    run = asyncio.run(execute(FAULTS, accounts=8, viewers=8, check_within=45, rates=LIGHT, warm_up=5))
    assert not run.failure and run.healthy
    assert all(pid_of(p) not in (None, old) for p, old in before.items()), "each process was killed and restarted"
    acked = run.load.ledger.acked_counts()
    assert acked["posts"] > 10 and acked["likes"] > 5 and acked["comments"] > 3 and acked["follows"] > 3, acked
    assert run.findings is not None
    assert run.findings.ok, run.findings.as_dict()
    assert run.violations == 0, [s for s in run.load.ledger.attempts if s.status.startswith("5")][:10]
