"""The notification benchmark's judged part (the bursts beside the feed's mix) for two or more versions of the
notification service in one window, so that they are compared under the same machine load:

    .venv/bin/python -m bench.notification_ab TREE [TREE ...] [--swap PATH] [--restore TREE] [bench.notification
    options]

Seeds, logs the likers in and warms the mix's readers once, then for each TREE (a git worktree, or /work/main)
restarts the stack's notification process with that tree's code (`--swap`, stack/restart-service.sh by default), checks
that the process runs from it, waits for its consumer to hold the group's partitions, and measures the mention
burst and the like storm beside the mix exactly as bench.notification does. Puts `--restore`'s code back at the end
(also on failure). Writes bench/results/notification-ab-<UTC time>.json and prints one line per tree and burst;
leaves latest.* alone (they hold full runs). Run it in an exclusive window: it restarts a stack process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from bench import ROOT
from bench.engagement import gateway_reaches_engagement
from bench.engagement_setup import likers
from bench.env import Bench, service_addresses
from bench.measure_likes import GatewayLikes, LoadShape
from bench.measure_notifications import BurstClients
from bench.notification import beside_the_mix, mean_socfb_followers
from bench.notification import parse as parse_burst_options
from bench.notification_setup import mix_load, notification_groups
from bench.report import RESULTS
from bench.run import graph_threshold
from bench.runner import phase
from bench.seed import seed
from bench.warm import warm
from services.common.kafka import API_VERSION
from services.common.polling import wait_for

PID_FILE = ROOT / ".run/pids/svc-notification.pid"


def parse(argv: list[str]) -> tuple[argparse.Namespace, argparse.Namespace]:
    p = argparse.ArgumentParser(prog="python -m bench.notification_ab", description=__doc__)
    p.add_argument("trees", nargs="+", help="the trees whose notification service is measured, in this order")
    p.add_argument(
        "--swap", default=str(ROOT / "stack/restart-service.sh"), help="a script taking PROCESS TREE (default: ours)"
    )
    p.add_argument("--restore", default=str(ROOT), help="the tree whose code runs after the run (default: this one)")
    p.add_argument(
        "--session-margin",
        type=float,
        default=600.0,
        help="reuse the likers' cached sessions valid this many seconds more (logging 2,000 in takes minutes)",
    )
    own, rest = p.parse_known_args(argv)
    own.trees = [str(Path(t).resolve()) for t in own.trees]
    return own, parse_burst_options(rest)


def running_from() -> dict[str, Any]:
    """The notification process recorded in the stack's pid file: its pid, working directory and module path."""
    pid = int(PID_FILE.read_text().split()[0])
    env = dict(
        line.split("=", 1) for line in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0") if "=" in line
    )
    return {
        "pid": pid,
        "cwd": str(Path(f"/proc/{pid}/cwd").readlink()),
        "pythonpath": env.get("PYTHONPATH", ""),
        "safe_path": env.get("PYTHONSAFEPATH", ""),
    }


def group_assigned(bootstrap: str, group: str) -> bool:
    """Whether the group is stable with a member holding partitions."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=API_VERSION)
    try:
        described = admin.describe_groups([group])[group]
        members = described.get("members") or []
        held = any((m.get("member_assignment") or {}).get("assigned_partitions") for m in members)
        return described.get("group_state") == "Stable" and held
    finally:
        admin.close()


async def swap_to(swap: str, tree: str, bootstrap: str) -> dict[str, Any]:
    """Restarts the notification process with `tree`'s code; returns what runs, once its consumer is assigned."""
    await asyncio.to_thread(subprocess.run, [swap, "notification", tree], check=True)
    running = running_from()
    if running["cwd"] != tree or not running["pythonpath"].startswith(f"{tree}/gen:{tree}") or not running["safe_path"]:
        raise RuntimeError(f"the notification process does not run {tree}'s code: {running}")
    (group,) = notification_groups()
    await wait_for(
        lambda: asyncio.to_thread(group_assigned, bootstrap, group),
        bool,
        what=f"group {group} assigned",
        within=90,
        interval=1,
    )
    return running


def summary(tree: str, burst: str, figures: dict[str, Any]) -> str:
    d = figures["delay"]
    stages = ", ".join(f"{name} {s['seconds']:.2f}" for name, s in figures.get("stages", {}).items())
    return (
        f"{tree} {burst}: {figures['notifications_per_second']:,.0f}/s, delay p50 {d['p50_ms']:,.0f} ms "
        f"p99 {d['p99_ms']:,.0f} ms (n={d['count']}), missing {figures['missing_in_watched']}; stages (s): {stages}"
    )


async def measure(own: argparse.Namespace, args: argparse.Namespace, figures: dict[str, Any]) -> None:
    bench = await Bench.open()
    client: GatewayLikes | None = None
    try:
        t = phase("seed: the fixture, the likers and their sessions; readers warmed for the mix")
        data = await seed(bench)
        liker_list = await likers(bench, args.likers, margin=own.session_margin)
        figures["warm"] = await warm(bench, [*data.reed_ids, *data.followers_of("10k")])
        figures["timings"]["seed"] = round(time.monotonic() - t, 1)
        threshold = await graph_threshold(bench, data.followers_of("1k")[0])
        mix = mix_load(args.mix_capacity, threshold, mean_socfb_followers(data))
        figures["mix"] = {"capacity_deliveries_per_second": mix.capacity, "capacity_from": mix.source}
        client = GatewayLikes(service_addresses("notification").gateway, liker_list, LoadShape(32, 4))
        await gateway_reaches_engagement(client)
        clients = BurstClients.open(bench, client)
        for tree in own.trees:
            phase(f"{tree}: the notification process swapped in")
            running = await swap_to(own.swap, tree, bench.addr.kafka_bootstrap)
            started = datetime.now(UTC).isoformat(timespec="seconds")
            measured = await beside_the_mix(args, clients, data, mix)
            figures["runs"].append({"tree": tree, "running": running, "started_at": started, "beside_mix": measured})
    finally:
        if client is not None:
            await client.close()
        await bench.close()


async def main(argv: list[str]) -> int:
    own, args = parse(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    figures: dict[str, Any] = {"started_at": stamp, "settings": vars(own) | vars(args), "timings": {}, "runs": []}
    try:
        await measure(own, args, figures)
    finally:
        phase(f"restore: {own.restore}'s notification process")
        await asyncio.to_thread(subprocess.run, [own.swap, "notification", own.restore], check=True)
        path = RESULTS / f"notification-ab-{stamp}.json"
        path.write_text(json.dumps(figures, indent=1, default=str))
        print(f"wrote {path}")
    for run in figures["runs"]:
        for burst in ("mentions", "likes"):
            print(summary(run["tree"], burst, run["beside_mix"][burst]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
