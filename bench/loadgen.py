"""A closed-loop load generator: `concurrency` asyncio workers in this process, each issuing the next call as soon
as the previous one returns, for a fixed time after a warm-up. The feed-read measurement and its trivial gRPC
baseline both use it, with the same channel setup, so their ratio compares servers, not clients."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import grpc

from bench.stats import Latency, rate, summarize

Call = Callable[[int], Awaitable[object]]  # worker call number -> awaitable RPC


@dataclass
class LoadResult:
    calls: int
    errors: int
    seconds: float
    latency: Latency
    error_codes: dict[str, int] = field(default_factory=dict)
    samples: list[float] = field(default_factory=list, repr=False)
    """The latencies measured (seconds), so runs can be merged."""
    starts: list[float] = field(default_factory=list, repr=False)
    """When each of `samples` started, in seconds from the start of the measurement (bench.plots)."""

    @classmethod
    def merge(cls, results: list[LoadResult]) -> LoadResult:
        """Several runs of one load as one: calls and seconds add up, percentiles over every sample; each run's
        start times follow the previous runs' seconds."""
        samples = [s for r in results for s in r.samples]
        starts: list[float] = []
        offset = 0.0
        for r in results:
            starts += [offset + s for s in r.starts]
            offset += r.seconds
        codes: dict[str, int] = {}
        for r in results:
            for code, n in r.error_codes.items():
                codes[code] = codes.get(code, 0) + n
        return cls(
            calls=sum(r.calls for r in results),
            errors=sum(r.errors for r in results),
            seconds=sum(r.seconds for r in results),
            latency=summarize(samples),
            error_codes=codes,
            samples=samples,
            starts=starts,
        )

    @property
    def per_second(self) -> float:
        return rate(self.calls, self.seconds)

    def as_dict(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "errors": self.errors,
            "error_codes": self.error_codes,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            "latency": self.latency.as_dict(),
        }


async def closed_loop(call: Call, *, concurrency: int, seconds: float, warmup: float = 2.0) -> LoadResult:
    latencies: list[float] = []
    starts: list[float] = []
    errors: dict[str, int] = {}
    counter = 0
    started = time.perf_counter()
    measure_from = started + warmup
    stop_at = measure_from + seconds

    async def worker() -> None:
        nonlocal counter
        while True:
            begin = time.perf_counter()
            if begin >= stop_at:
                return
            counter += 1
            try:
                await call(counter)
            except grpc.aio.AioRpcError as exc:
                if begin >= measure_from:
                    errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
                continue
            end = time.perf_counter()
            if begin >= measure_from and end <= stop_at:
                latencies.append(end - begin)
                starts.append(begin - measure_from)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(
        calls=len(latencies),
        errors=sum(errors.values()),
        seconds=seconds,
        latency=summarize(latencies),
        error_codes=errors,
        samples=latencies,
        starts=starts,
    )


def channels(target: str, count: int) -> list[grpc.aio.Channel]:
    """`count` independent channels (separate HTTP/2 connections) to one target: the workers share them round
    robin, so one connection's stream handling is not the bottleneck of the client. A target listing several
    replicas (`ipv4:a:p,b:q`, the cluster topology) is balanced round robin by each channel."""
    options: list[tuple[str, Any]] = [("grpc.use_local_subchannel_pool", 1)]
    if "," in target:
        options.append(("grpc.lb_policy_name", "round_robin"))
    return [grpc.aio.insecure_channel(target, options=options) for _ in range(count)]


async def closed_loop_count(call: Call, *, count: int, concurrency: int) -> LoadResult:
    """`count` calls (numbered 0 to count - 1), `concurrency` workers each taking the next number as soon as its
    previous call returns; every call is measured, and the rate is over the time from the first call to the last
    answer (a fixed amount of work, where `closed_loop` runs for a fixed time)."""
    latencies: list[float] = []
    starts: list[float] = []
    errors: dict[str, int] = {}
    numbers = iter(range(count))
    started = time.perf_counter()

    async def worker() -> None:
        for n in numbers:
            begin = time.perf_counter()
            try:
                await call(n)
            except grpc.aio.AioRpcError as exc:
                errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
                continue
            latencies.append(time.perf_counter() - begin)
            starts.append(begin - started)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(
        calls=len(latencies),
        errors=sum(errors.values()),
        seconds=time.perf_counter() - started,
        latency=summarize(latencies),
        error_codes=errors,
        samples=latencies,
        starts=starts,
    )


async def open_loop(
    stop: asyncio.Event, rate: float, max_in_flight: int, start: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    """Starts `start()` `rate` times a second, the first at a random offset, until `stop` is set (open loop: a slow
    answer does not slow the arrivals), skipping a start while `max_in_flight` are running; then waits for them."""
    in_flight: set[asyncio.Task[None]] = set()
    interval = 1.0 / rate
    next_at = time.monotonic() + random.uniform(0, interval)
    while not stop.is_set():
        delay = next_at - time.monotonic()
        if delay > 0:
            try:
                await asyncio.wait_for(stop.wait(), delay)
                break
            except TimeoutError:
                pass
        next_at += interval
        if len(in_flight) < max_in_flight:
            task = asyncio.create_task(start())
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.gather(*in_flight)
