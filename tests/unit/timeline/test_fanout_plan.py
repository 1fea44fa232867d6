"""The fanout plan, without servers: which followers of a page get which posts, and whether they are pulled, pushed
inline or left to the fanout workers."""

from __future__ import annotations

from services.timeline.domain.fanout_plan import Delivery, FanoutChunk, FanoutPolicy, Publication, own_rows, plan_page

AUTHOR = 2
POLICY = FanoutPolicy(chunk_size=2, inline_max=3)
POSTS = [Publication("e1", 100, AUTHOR, 1_000), Publication("e2", 101, AUTHOR, 2_000)]


def test_a_celebrity_is_pulled_and_nothing_is_pushed() -> None:
    plan = plan_page(AUTHOR, POSTS, [1, 2, 3], first=True, last=False, celebrity=True, policy=POLICY)
    assert plan.delivery is Delivery.PULLED
    assert plan.chunks == [] and plan.in_flight == []


def test_the_graphs_celebrity_decision_counts_on_the_first_page_only() -> None:
    plan = plan_page(AUTHOR, POSTS, [5], first=False, last=True, celebrity=True, policy=POLICY)
    assert plan.delivery is Delivery.TASKS


def test_a_small_audience_on_one_page_is_pushed_inline_in_chunks() -> None:
    plan = plan_page(AUTHOR, POSTS, [1, 2, 3], first=True, last=True, celebrity=False, policy=POLICY)
    assert plan.delivery is Delivery.INLINE
    assert plan.in_flight == [] and not plan.more
    assert plan.chunks == [
        FanoutChunk(100, AUTHOR, 1_000, [1, 2]),
        FanoutChunk(100, AUTHOR, 1_000, [3]),
        FanoutChunk(101, AUTHOR, 2_000, [1, 2]),
        FanoutChunk(101, AUTHOR, 2_000, [3]),
    ]


def test_a_larger_audience_goes_out_in_tasks_each_chunk_named_by_its_first_reader() -> None:
    plan = plan_page(AUTHOR, POSTS, [1, 2, 3, 4, 5], first=True, last=True, celebrity=False, policy=POLICY)
    assert plan.delivery is Delivery.TASKS
    assert plan.in_flight == [1, 3, 5] and not plan.more
    assert [(c.post_id, c.follower_ids) for c in plan.chunks] == [
        (100, [1, 2]),
        (100, [3, 4]),
        (100, [5]),
        (101, [1, 2]),
        (101, [3, 4]),
        (101, [5]),
    ]
    assert not any(c.cache_written for c in plan.chunks)


def test_a_small_page_of_a_longer_listing_is_not_pushed_inline() -> None:
    first = plan_page(AUTHOR, POSTS, [1, 2], first=True, last=False, celebrity=False, policy=POLICY)
    assert first.delivery is Delivery.TASKS and first.more
    last = plan_page(AUTHOR, POSTS, [3], first=False, last=True, celebrity=False, policy=POLICY)
    assert last.delivery is Delivery.TASKS and not last.more
    assert last.in_flight == [3]


def test_an_empty_page_plans_nothing_to_push() -> None:
    plan = plan_page(AUTHOR, POSTS, [], first=False, last=True, celebrity=False, policy=POLICY)
    assert plan.chunks == [] and plan.in_flight == []


def test_the_authors_own_rows_are_written_to_redis_already() -> None:
    assert own_rows(AUTHOR, POSTS) == [
        FanoutChunk(100, AUTHOR, 1_000, [AUTHOR], cache_written=True),
        FanoutChunk(101, AUTHOR, 2_000, [AUTHOR], cache_written=True),
    ]
