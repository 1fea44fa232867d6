"""Readiness waits: a component that says it is still loading its data gets more time than one that does not
answer; neither is declared ready before its probe passes."""

from __future__ import annotations

from typing import Any, cast

import pytest
from redis.exceptions import BusyLoadingError

from stack import readiness
from stack.settings import StackSettings

NO_SETTINGS = cast(StackSettings, None)


def _probe(failures: int, error: Exception) -> Any:
    calls = {"n": 0}

    def probe(_s: StackSettings) -> str:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise error
        return "here"

    return probe


def test_a_component_still_loading_is_waited_for_past_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(readiness.PROBES, "redis", _probe(3, BusyLoadingError("loading the dataset")))
    ok, message = readiness.wait_one(NO_SETTINGS, "redis", None, timeout=0.2)
    assert ok and "ready" in message


def test_a_component_that_does_not_answer_fails_at_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(readiness.PROBES, "redis", _probe(3, ConnectionError("refused")))
    ok, message = readiness.wait_one(NO_SETTINGS, "redis", None, timeout=0.2)
    assert not ok and "no answer within" in message and "ConnectionError" in message
