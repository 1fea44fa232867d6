"""What one consumed event costs the consuming process: `services/common/kafka_consumer/` (the runtime every
service's consumer group runs on) of this tree against the one of another git revision (by default main's), each
reading the same events from the stack's real Kafka into a trivial async handler.

The events are produced once (200-byte protobuf values, keys of 5000 users, a trace header each) to a topic of 3
partitions of the benchmark's own, deleted afterwards. Each run is a fresh process with a consumer group of its own
reading the topic from the start, and runs alternate (baseline, candidate, ...) so that a change of the machine's
load hits both alike. A run reports the process's CPU per event from the first batch the handler gets to the last
(the group join is left out), split into threads that run Python and librdkafka's C threads (`rdk:*`), and the
wall rate over the same span.

    flock -o /tmp/feedmesh-bench.lock /work/main/.venv/bin/python -m bench.consumer_cost --events 20000 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from io import BytesIO
from pathlib import Path
from typing import Any

from google.protobuf.wrappers_pb2 import BytesValue

from bench.producer_cost import create_topic, delete_topic, thread_cpu_seconds
from stack.settings import ROOT, load_settings

PACKAGE = "services/common/kafka_consumer"
CANDIDATE = "worktree"
TRACE_HEADER = ("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")


def load_runtime(revision: str) -> Any:
    """The consumer runtime package of `revision` (a git revision, or `worktree` for this tree's), imported as
    `services.common.kafka_consumer` (one run per process: its modules import one another by that name)."""
    if revision == CANDIDATE:
        import services.common.kafka_consumer as runtime

        return runtime
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, PACKAGE], check=True, capture_output=True)
    where = Path(tempfile.mkdtemp(prefix="kafka_consumer_"))
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(where, filter="data")
    package = where / PACKAGE
    import services.common  # noqa: F401  # the parent package, from this tree

    name = "services.common.kafka_consumer"
    spec = importlib.util.spec_from_file_location(
        name, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def one_run(revision: str, topic: str, events: int, batch: int) -> dict[str, Any]:
    runtime = load_runtime(revision)
    handled = 0
    first: dict[str, Any] = {}
    done = asyncio.Event()

    async def handler(consumed: list[Any]) -> None:
        nonlocal handled
        if not first:
            first.update(threads=thread_cpu_seconds(), cpu=time.process_time(), wall=time.perf_counter())
            first["events"] = len(consumed)
        handled += len(consumed)
        if handled >= events:
            done.set()

    consumer = runtime.EventConsumer(
        bootstrap=load_settings().kafka_bootstrap,
        service="bench",
        topics=[topic],
        group=f"bench-consumer-{uuid.uuid4().hex[:8]}",
        message=BytesValue,
        handler=handler,
        batch_size=batch,
    )
    consumer.start()
    try:
        await asyncio.wait_for(done.wait(), 300)
        wall = time.perf_counter() - first["wall"]
        cpu = time.process_time() - first["cpu"]
        threads = thread_cpu_seconds()
    finally:
        await consumer.stop()
    measured = handled - first["events"]
    return {
        "revision": revision,
        "events": measured,
        "cpu_ms_per_event": 1000 * cpu / measured,
        "python_threads_ms_per_event": 1000 * (threads["python"] - first["threads"]["python"]) / measured,
        "rdk_threads_ms_per_event": 1000 * (threads["rdk"] - first["threads"]["rdk"]) / measured,
        "events_per_second": measured / wall,
    }


async def produce(topic: str, events: int, value_bytes: int) -> None:
    from services.common.kafka import KafkaPublisher, OutgoingMessage

    publisher = KafkaPublisher(load_settings().kafka_bootstrap, client_id="bench-consumer-producer", timeout_seconds=30)
    value = BytesValue(value=b"v" * (value_bytes - 3)).SerializeToString()  # 3 bytes of tag and length
    try:
        for start in range(0, events, 1000):
            batch = range(start, min(events, start + 1000))
            await publisher.send_batch(
                [OutgoingMessage(topic, str(n % 5000).encode(), value, [TRACE_HEADER]) for n in batch]
            )
    finally:
        await publisher.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200, help="the consumer's batch_size")
    parser.add_argument("--value-bytes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="baseline/candidate pairs, alternating")
    parser.add_argument("--baseline", default="main", help="git revision of the runtime to compare against")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a single run in this process: the revision
    parser.add_argument("--topic", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        result = asyncio.run(one_run(args.one, args.topic, args.events, args.batch))
        print(json.dumps(result))
        return

    topic = f"feedmesh.bench-consumer-{uuid.uuid4().hex[:8]}"
    create_topic(topic, 3)
    results = []
    try:
        asyncio.run(produce(topic, args.events, args.value_bytes))
        for _ in range(args.rounds):
            for revision in (args.baseline, CANDIDATE):
                command = [sys.executable, "-m", "bench.consumer_cost", "--one", revision, "--topic", topic]
                command += ["--events", str(args.events), "--batch", str(args.batch)]
                out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
                results.append(json.loads(out.strip().splitlines()[-1]))
                r = results[-1]
                print(
                    f"{r['revision']:>9}: {r['events']} events, CPU {r['cpu_ms_per_event']:.4f} ms/event"
                    f" (Python threads {r['python_threads_ms_per_event']:.4f}, librdkafka threads"
                    f" {r['rdk_threads_ms_per_event']:.4f}), {r['events_per_second']:,.0f} events/s",
                    flush=True,
                )
    finally:
        delete_topic(topic)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
