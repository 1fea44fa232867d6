"""The request's deadline, carried to every call it causes.

The instrumentation (services.common.interceptors) opens a `scope` for each RPC it serves, from the caller's gRPC
deadline or, for a REST call the gateway transcoded (which carries no grpc-timeout), the budget Envoy gives the try
in `x-envoy-expected-rq-timeout-ms`. The outbound channels (services.common.clients) give each call the smaller of
its own timeout and what is left (`bounded`), and the handler itself is stopped when the budget is spent, which
cancels the store calls it is waiting on. Background work a request starts does not inherit the deadline
(`detached_context`): it is not done for that caller.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator, Sequence

# The header Envoy's router sets on every request it forwards: the time it will wait for this try, in milliseconds.
ENVOY_BUDGET_HEADER = "x-envoy-expected-rq-timeout-ms"
# A deadline further away than this is no deadline (grpc reports "none" as a huge remaining time on some paths).
NO_DEADLINE_SECONDS = 3600.0
# What a budget keeps back so that the service's own answer (UNAVAILABLE, with its reason) reaches the caller before
# the caller's timer fires (the gateway's answer would be a bare 504).
ANSWER_MARGIN_SECONDS = 0.05

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("feedmesh_deadline", default=None)


def budget_seconds(time_remaining: float | None, metadata: Sequence[tuple[str, str | bytes]] | None) -> float | None:
    """The seconds an RPC may take: the smaller of its gRPC deadline and the gateway's budget header less the answer
    margin (never below 0); None when neither is given."""
    budgets: list[float] = []
    if time_remaining is not None and time_remaining < NO_DEADLINE_SECONDS:
        budgets.append(time_remaining)
    for key, value in metadata or ():
        if key == ENVOY_BUDGET_HEADER:
            try:
                millis = float(value)
            except ValueError:
                continue
            if millis > 0:
                budgets.append(max(0.0, millis / 1000.0 - ANSWER_MARGIN_SECONDS))
    return min(budgets) if budgets else None


def needs_own_timer(time_remaining: float | None, budget: float | None) -> bool:
    """Whether the handler must be stopped by the service at `budget`: grpc itself cancels a handler at its caller's
    deadline, but nothing stops one at the gateway's budget, which only the header tells."""
    if budget is None:
        return False
    return time_remaining is None or time_remaining >= NO_DEADLINE_SECONDS or budget < time_remaining


def remaining() -> float | None:
    """Seconds left of the current request's budget (0 when spent); None outside a request or without one."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())


def bounded(timeout: float | None) -> float | None:
    """`timeout` cut to what is left of the current request's budget."""
    left = remaining()
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)


@contextlib.contextmanager
def scope(seconds: float | None) -> Iterator[None]:
    """The block runs with a deadline `seconds` from now (none: the enclosing one is kept). A nested scope never
    extends the enclosing deadline."""
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    enclosing = _DEADLINE.get()
    token = _DEADLINE.set(deadline if enclosing is None else min(deadline, enclosing))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def detached_context() -> contextvars.Context:
    """A copy of the current context without the request's deadline: for tasks that outlive the request."""
    context = contextvars.copy_context()
    context.run(_DEADLINE.set, None)
    return context
