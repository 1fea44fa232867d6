"""The cluster topology's global rate limit (docs/cluster.md): a user's read budget holds across the two gateway
replicas, counted once in Redis by the rate limit service, instead of once per Envoy process. Skipped on the single
node (no rate limit service, one gateway)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from stack.settings import StackSettings
from tests.e2e.conftest import User


def test_a_users_read_budget_holds_across_gateway_replicas(stack: StackSettings, new_user: Callable[..., User]) -> None:
    if not stack.values.get("FEEDMESH_RATELIMIT_TARGET"):
        pytest.skip("single-node topology: no global rate limit service")
    budget = int(stack["FEEDMESH_RATE_READ_PER_MIN"])
    offset = int(stack["FEEDMESH_REPLICA_PORT_OFFSET"])
    port = int(stack["FEEDMESH_GATEWAY_PORT"])
    user = new_user()
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=15) for p in (port, port + offset)]
    try:
        answered = 0
        # Alternating replicas: each one's own buckets would let 2 x budget through; the global one lets budget.
        for n in range(2 * budget):
            reply = clients[n % 2].get("/v1/users/me", headers=user.auth)
            if reply.status_code == 429:
                break
            assert reply.status_code == 200, reply.text
            answered += 1
        # The minute window can turn over during the run, letting a few more through; never a second budget.
        assert budget * 0.9 <= answered < budget * 1.5, f"{answered} reads answered, budget {budget} per minute"
    finally:
        for client in clients:
            client.close()
