"""The ranking quality check: simulated users with hidden preferences engage through the REST API, the offline chain
trains a model on what they did, and each user's ranked top 10 must hold clearly more of what they prefer than their
chronological top 10.

    .venv/bin/python -m bench.ranking_quality [--viewers 40] [--authors 24] [--rounds 6] ...

Phases: the timeline's read server restarted logging every page's impressions (the stack logs a tenth; restored
at the end) -> accounts (new ones each run, through the auth service; sessions through POST /v1/sessions is rate limited
per address, so CreateSession straight) -> every viewer follows every author (REST) -> history: `--rounds` times,
each author posts once, then each viewer reads a chronological page and likes (and sometimes comments on) what it
shows as its hidden preferences say (bench/ranking_sim.py) -> the offline chain (`--train-command`, `make train`'s,
trained on this run's history: FEEDMESH_TRAINING_SECONDS) -> wait until the feed serves the new model -> test: each
author posts `--test-posts` more; each viewer's chronological and ranked top 10 -> precision at 10 of both, judged.
Results: bench/results/ranking-quality-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import httpx
from feedmesh.auth.v1 import auth_service_pb2

from bench import stack_ctl
from bench.env import Bench, service_addresses
from bench.ranking_sim import Preferences, compare, precision_at, react
from bench.report import RESULTS
from bench.seed import PASSWORD, Seeder
from services.common.polling import wait_for

K = 10
MIN_LIFT = 0.2  # precision at 10 must rise by at least this much (absolute) ...
MIN_SHARE_BETTER = 0.6  # ... and be higher for at least this share of the viewers


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--viewers", type=int, default=40)
    p.add_argument("--authors", type=int, default=24)
    p.add_argument("--favourites", type=int, default=4, help="favourite authors per viewer")
    p.add_argument("--rounds", type=int, default=6, help="history rounds (each author posts once per round)")
    p.add_argument("--test-posts", type=int, default=2, help="posts per author after training")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--train-command", default="make -s train", help="the offline chain, run once")
    p.add_argument("--model-wait", type=float, default=120.0, help="seconds to wait for the feed to serve it")
    return p.parse_args(argv)


class Rest:
    """The public REST API through the gateway, as one user per token."""

    def __init__(self, base: str):
        self.http = httpx.AsyncClient(base_url=base, timeout=30)

    async def call(self, token: str, method: str, path: str, body: Any = None) -> Any:
        reply = await self.http.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
        if reply.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
        return reply.json()

    async def reachable(self, token: str) -> bool:
        """Envoy health-checks the timeline every few seconds: after a restart, the feed answers 503 a while."""
        reply = await self.http.get("/v1/feed?limit=1", headers={"Authorization": f"Bearer {token}"})
        return reply.status_code == 200

    async def feed(self, token: str, mode: str, limit: int) -> dict[str, Any]:
        return dict(await self.call(token, "GET", f"/v1/feed?mode={mode}&limit={limit}"))

    async def close(self) -> None:
        await self.http.aclose()


async def accounts(bench: Bench, handles: list[str]) -> dict[str, tuple[int, str]]:
    """handle -> (user id, access token)."""
    seeder = Seeder(bench)
    ids = await seeder.register(handles)
    tokens: dict[str, tuple[int, str]] = {}
    for handle in handles:
        reply = await seeder.auth.CreateSession(
            auth_service_pb2.CreateSessionRequest(handle=handle, password=PASSWORD), timeout=60
        )
        tokens[handle] = (ids[handle], reply.access_token)
    return tokens


async def gather_bounded(limit: int, jobs: Sequence[Any]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Any) -> Any:
        async with gate:
            return await job

    return list(await asyncio.gather(*(one(j) for j in jobs)))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    timings: dict[str, float] = {}
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    prefix = f"rq{int(time.time()) % 10_000_000}"
    prefs = Preferences.draw(args.viewers, args.authors, args.favourites, args.seed)
    rng = random.Random(args.seed)
    print("restart the timeline logging every page's impressions ...", flush=True)
    timings["restart"] = round(await asyncio.to_thread(stack_ctl.log_all_impressions, True), 1)
    bench = await Bench.open()
    rest = Rest(f"http://{service_addresses('timeline').gateway}")
    try:
        print("accounts ...", flush=True)
        authors = await accounts(bench, [f"{prefix}_a{a}" for a in range(args.authors)])
        viewers = await accounts(bench, [f"{prefix}_v{v}" for v in range(args.viewers)])
        await wait_for(
            lambda: rest.reachable(viewers[f"{prefix}_v0"][1]),
            what="the gateway routing the feed to the restarted timeline",
            within=60,
            interval=0.5,
        )
        author_ids = [authors[f"{prefix}_a{a}"][0] for a in range(args.authors)]
        author_tokens = [authors[f"{prefix}_a{a}"][1] for a in range(args.authors)]
        viewer_tokens = [viewers[f"{prefix}_v{v}"][1] for v in range(args.viewers)]
        index_of = {user_id: a for a, user_id in enumerate(author_ids)}
        await gather_bounded(
            8,
            [
                rest.call(token, "POST", f"/v1/users/{author}/follow")
                for token in viewer_tokens
                for author in author_ids
            ],
        )
        timings["setup"] = round(time.monotonic() - started, 1)

        async def publish_round(label: str) -> None:
            await gather_bounded(
                8, [rest.call(t, "POST", "/v1/posts", {"text": f"{label} by {a}"}) for a, t in enumerate(author_tokens)]
            )

        likes = comments = 0
        t = history_started = time.monotonic()
        for n in range(args.rounds):
            print(f"history round {n + 1}/{args.rounds} ...", flush=True)
            await publish_round(f"{prefix} history {n}")
            for v, token in enumerate(viewer_tokens):
                # History is read newest first: each round's posts are shown once, so what a viewer likes follows
                # their preferences, not what a ranking (the cold-start heuristic) put on top.
                page = await rest.feed(token, "chronological", 20)
                for item in page.get("items", []):
                    post_id, author = item["post"]["id"], index_of.get(int(item["post"]["authorId"]))
                    if author is None or item.get("likedByMe"):
                        continue
                    reaction = react(prefs, v, author, rng)
                    if reaction.like:
                        await rest.call(token, "POST", f"/v1/posts/{post_id}/like")
                        likes += 1
                    if reaction.comment:
                        await rest.call(token, "POST", f"/v1/posts/{post_id}/comments", {"text": "love this"})
                        comments += 1
        timings["history"] = round(time.monotonic() - t, 1)

        before = (await rest.feed(viewer_tokens[0], "ranked", 1)).get("modelVersion", "")
        print(f"training ({args.train_command}) ...", flush=True)
        t = time.monotonic()
        # Trained on this run's history only (two seconds of margin): the stack's earlier benchmarks left millions
        # of impressions of simulated readers who never engage, which would drown the users with preferences (and
        # the benchmark just before fills the older pages the model would learn from).
        window = {"FEEDMESH_TRAINING_SECONDS": str(round(time.monotonic() - history_started + 2, 1))}
        train = shlex.split(args.train_command)
        await asyncio.to_thread(subprocess.run, train, check=True, env=os.environ | window)
        timings["train"] = round(time.monotonic() - t, 1)

        async def served_version() -> str:
            return str((await rest.feed(viewer_tokens[0], "ranked", 1)).get("modelVersion", ""))

        version = await wait_for(
            served_version,
            lambda v: v not in ("", "heuristic", before),
            what="the feed served by the newly trained model",
            within=args.model_wait,
            interval=1.0,
        )

        for n in range(args.test_posts):
            await publish_round(f"{prefix} test {n}")
        chronological: dict[int, float] = {}
        ranked: dict[int, float] = {}
        for v, token in enumerate(viewer_tokens):
            for mode, into in (("chronological", chronological), ("ranked", ranked)):
                page = await rest.feed(token, mode, K)
                shown = [index_of.get(int(i["post"]["authorId"]), -1) for i in page.get("items", [])]
                into[v] = precision_at(K, shown, prefs.favourites[v])
        result = compare(chronological, ranked)
        passed = result.clearly_better(MIN_LIFT, MIN_SHARE_BETTER)
        figures = {
            "stamp": stamp,
            "settings": vars(args),
            "model_version": version,
            "likes": likes,
            "comments": comments,
            "timings": timings,
            "precision_at_10": asdict(result) | {"lift": result.lift},
            "judged": {"min_lift": MIN_LIFT, "min_share_better": MIN_SHARE_BETTER, "passed": passed},
            "chance": args.favourites / args.authors,
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"ranking-quality-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
        print(
            f"precision@10: chronological {result.chronological:.3f}, ranked {result.ranked:.3f} "
            f"(chance {figures['chance']:.3f}); ranked better for {result.ranked_better}/{result.viewers} viewers; "
            f"model {version}; {'PASS' if passed else 'FAIL'}",
            flush=True,
        )
        return figures
    finally:
        await rest.close()
        await bench.close()
        print("restart the timeline with the stack's impression sample ...", flush=True)
        await asyncio.to_thread(stack_ctl.log_all_impressions, False)


def main(argv: Sequence[str] | None = None) -> None:
    figures = asyncio.run(run(parse_args(argv)))
    raise SystemExit(0 if figures["judged"]["passed"] else 1)


if __name__ == "__main__":
    main()
