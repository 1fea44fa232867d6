"""The likes benchmark's load: every like a new (user, post) pair, users in turn, a fixed amount of work."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

import grpc
import pytest

from bench.loadgen import closed_loop_count
from bench.measure_likes import LikePairs, pair_at


def test_the_first_users_times_posts_pairs_are_all_distinct() -> None:
    users, posts = 7, 5
    pairs = [pair_at(n, users, posts) for n in range(users * posts)]
    assert len(set(pairs)) == users * posts
    assert {u for u, _ in pairs} == set(range(users)) and {p for _, p in pairs} == set(range(posts))


def test_consecutive_calls_go_to_other_users_and_posts_and_users_share_the_calls_evenly() -> None:
    users, posts = 100, 30
    pairs = [pair_at(n, users, posts) for n in range(1000)]
    assert all(a[0] != b[0] and a[1] != b[1] for a, b in itertools.pairwise(pairs))
    assert set(Counter(u for u, _ in pairs).values()) == {10}  # 1000 calls over 100 users
    per_post = Counter(p for _, p in pairs)
    assert len(per_post) == posts and max(per_post.values()) <= 2 * min(per_post.values())


def test_pairs_run_out_instead_of_repeating_a_like() -> None:
    pairs = LikePairs(users=2, posts=2)
    taken = [pairs.take() for _ in range(4)]
    assert len(set(taken)) == 4
    with pytest.raises(RuntimeError, match="pairs are used"):
        pairs.take()


class _Refused(grpc.aio.AioRpcError):
    def __init__(self) -> None:
        super().__init__(grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.aio.Metadata(), grpc.aio.Metadata())


async def test_a_fixed_amount_of_work_calls_each_number_once_and_counts_failures_apart() -> None:
    seen: list[int] = []
    in_flight = 0
    most_in_flight = 0

    async def call(n: int) -> None:
        nonlocal in_flight, most_in_flight
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        seen.append(n)
        if n % 10 == 0:
            raise _Refused()

    result = await closed_loop_count(call, count=50, concurrency=4)
    assert sorted(seen) == list(range(50))
    assert most_in_flight == 4
    assert result.calls == 45 and result.errors == 5 and result.error_codes == {"RESOURCE_EXHAUSTED": 5}
    assert result.latency.count == 45 and result.seconds > 0
