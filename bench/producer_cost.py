"""What one published event costs the publishing process: `services/common/kafka.py`'s KafkaPublisher of this tree
against the one of another git revision (by default main's), the same events sent the way the outbox relay sends
them (one batch at a time, each awaited before the next), against the stack's real Kafka.

Each run is a fresh process (no thread or connection of one client outlives its run), and runs alternate
(baseline, candidate, baseline, candidate, ...) so that a change of the machine's load hits both alike. A run
reports the process's CPU per event, split into the threads that run Python (they hold the GIL against a service's
event loop) and librdkafka's C threads (named `rdk:*`, which do not), and the wall rate.

    flock -o /tmp/feedmesh-bench.lock flock -o /tmp/feedmesh-stack.lock \\
        /work/main/.venv/bin/python -m bench.producer_cost --events 20000 --batch 100 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import types
import uuid
from pathlib import Path
from typing import Any

from stack.settings import ROOT, load_settings

MODULE = "services/common/kafka.py"
CANDIDATE = "worktree"
TRACE_HEADER = ("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")


def load_publisher_module(revision: str) -> types.ModuleType:
    """The publisher module of `revision` (a git revision, or `worktree` for this tree's file), imported under a
    name of its own so that two revisions never share one."""
    if revision == CANDIDATE:
        path = ROOT / MODULE
    else:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{revision}:{MODULE}"], check=True, capture_output=True, text=True
        ).stdout
        with tempfile.NamedTemporaryFile("w", suffix=".py", prefix="kafka_publisher_", delete=False) as handle:
            handle.write(source)
        path = Path(handle.name)
    spec = importlib.util.spec_from_file_location(f"publisher_{uuid.uuid4().hex[:8]}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def thread_cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) of this process's threads, summed by kind: `rdk` for librdkafka's threads,
    `python` for the rest."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {"python": 0.0, "rdk": 0.0}
    for task in Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        # fields[0] is the state (field 3 of stat): utime and stime are fields 14 and 15.
        out["rdk" if name.startswith("rdk:") else "python"] += (int(fields[11]) + int(fields[12])) / ticks
    return out


async def one_run(revision: str, topic: str, events: int, batch: int, value_bytes: int) -> dict[str, Any]:
    module = load_publisher_module(revision)
    publisher = module.KafkaPublisher(load_settings().kafka_bootstrap, client_id=f"bench-producer-{revision}")
    value = b"v" * value_bytes

    def batch_of(start: int) -> list[Any]:
        return [
            module.OutgoingMessage(topic, str((start + n) % 5000).encode(), value, [TRACE_HEADER]) for n in range(batch)
        ]

    try:
        await publisher.send_batch(batch_of(0))  # connection and metadata outside the measurement
        threads_before, cpu_before, wall_before = thread_cpu_seconds(), time.process_time(), time.perf_counter()
        for start in range(0, events, batch):
            await publisher.send_batch(batch_of(start))
        wall = time.perf_counter() - wall_before
        cpu = time.process_time() - cpu_before
        threads_after = thread_cpu_seconds()
    finally:
        await publisher.close()
    sent = (events + batch - 1) // batch * batch
    return {
        "revision": revision,
        "events": sent,
        "cpu_ms_per_event": 1000 * cpu / sent,
        "python_threads_ms_per_event": 1000 * (threads_after["python"] - threads_before["python"]) / sent,
        "rdk_threads_ms_per_event": 1000 * (threads_after["rdk"] - threads_before["rdk"]) / sent,
        "events_per_second": sent / wall,
    }


def create_topic(topic: str, partitions: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": load_settings().kafka_bootstrap})
    for done in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        done.result(timeout=30)


def delete_topic(topic: str) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": load_settings().kafka_bootstrap})
    for done in admin.delete_topics([topic]).values():
        done.result(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100, help="events per send_batch, like an outbox relay's read")
    parser.add_argument("--value-bytes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="baseline/candidate pairs, alternating")
    parser.add_argument("--baseline", default="main", help="git revision of the publisher to compare against")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a single run in this process: the revision
    parser.add_argument("--topic", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        result = asyncio.run(one_run(args.one, args.topic, args.events, args.batch, args.value_bytes))
        print(json.dumps(result))
        return

    topic = f"feedmesh.bench-producer-{uuid.uuid4().hex[:8]}"
    create_topic(topic, 3)
    results = []
    try:
        for _ in range(args.rounds):
            for revision in (args.baseline, CANDIDATE):
                command = [sys.executable, "-m", "bench.producer_cost", "--one", revision, "--topic", topic]
                command += ["--events", str(args.events), "--batch", str(args.batch)]
                command += ["--value-bytes", str(args.value_bytes)]
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
