"""The request budget: where it comes from, how calls are cut to it, and what does not inherit it."""

from __future__ import annotations

import asyncio

import pytest

from services.common import deadlines
from services.common.deadlines import ANSWER_MARGIN_SECONDS, ENVOY_BUDGET_HEADER


def test_no_deadline_and_no_header_is_no_budget() -> None:
    assert deadlines.budget_seconds(None, [("traceparent", "00-ab-cd-01")]) is None


def test_the_grpc_deadline_as_it_is() -> None:
    assert deadlines.budget_seconds(0.03, []) == pytest.approx(0.03)


def test_the_gateway_header_less_the_margin_bounds_a_transcoded_call() -> None:
    assert deadlines.budget_seconds(None, [(ENVOY_BUDGET_HEADER, "4000")]) == pytest.approx(4.0 - ANSWER_MARGIN_SECONDS)


def test_the_smaller_of_deadline_and_header_wins() -> None:
    assert deadlines.budget_seconds(1.0, [(ENVOY_BUDGET_HEADER, "4000")]) == pytest.approx(1.0)
    assert deadlines.budget_seconds(9.0, [(ENVOY_BUDGET_HEADER, "300")]) == pytest.approx(0.3 - ANSWER_MARGIN_SECONDS)


def test_a_spent_budget_is_zero_not_negative() -> None:
    assert deadlines.budget_seconds(None, [(ENVOY_BUDGET_HEADER, "10")]) == 0.0


def test_only_a_budget_grpc_does_not_enforce_needs_the_services_own_timer() -> None:
    assert not deadlines.needs_own_timer(None, None)
    assert not deadlines.needs_own_timer(2.0, 2.0)  # grpc cancels the handler at its caller's deadline
    assert deadlines.needs_own_timer(None, 3.95)  # a transcoded call: the gateway's budget alone
    assert deadlines.needs_own_timer(9.0, 3.95)  # the gateway gives up first


def test_malformed_or_zero_headers_and_endless_deadlines_are_ignored() -> None:
    assert deadlines.budget_seconds(None, [(ENVOY_BUDGET_HEADER, "soon"), (ENVOY_BUDGET_HEADER, "0")]) is None
    assert deadlines.budget_seconds(1e9, []) is None


def test_outside_a_request_a_timeout_is_kept() -> None:
    assert deadlines.remaining() is None
    assert deadlines.bounded(2.0) == 2.0
    assert deadlines.bounded(None) is None


def test_inside_a_scope_calls_get_what_is_left() -> None:
    with deadlines.scope(0.5):
        left = deadlines.remaining()
        assert left is not None and 0.4 < left <= 0.5
        assert deadlines.bounded(2.0) == pytest.approx(left, abs=0.01)
        assert deadlines.bounded(0.1) == 0.1
        bounded = deadlines.bounded(None)
        assert bounded is not None and bounded <= 0.5
    assert deadlines.remaining() is None


def test_a_nested_scope_never_extends_the_enclosing_deadline() -> None:
    with deadlines.scope(0.2), deadlines.scope(5.0):
        left = deadlines.remaining()
        assert left is not None and left <= 0.2
    with deadlines.scope(None):
        assert deadlines.remaining() is None


async def test_tasks_started_in_a_request_inherit_it_unless_detached() -> None:
    async def seen() -> float | None:
        return deadlines.remaining()

    with deadlines.scope(1.0):
        inherited = await asyncio.create_task(seen())
        detached = await asyncio.create_task(seen(), context=deadlines.detached_context())
    assert inherited is not None and inherited <= 1.0
    assert detached is None
