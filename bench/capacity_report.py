"""The capacity model's tables (bench/capacity_model.py), as docs/capacity.md shows them."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from bench.capacity_model import Assumptions, Followers, Plan, Storage, UnitCosts, bottlenecks, inputs, plan
from services.timeline.settings import TimelineSettings


def _users(n: float) -> str:
    return f"{n / 1e6:,.0f}M" if n >= 1e6 else f"{n:,.0f}"


def markdown(
    a: Assumptions, f: Followers, c: UnitCosts, s: Storage, plans: list[Plan], limits: list[tuple[str, float]]
) -> str:
    lines = ["### Inputs", "", "| per unit | CPU of the whole stack | single-instance share |", "|---|---|---|"]
    lines += [
        f"| feed page (chronological) | {c.read * 1e3:.2f} ms | Redis {c.redis_per_read * 1e6:.0f} us |",
        f"| ranked first page | {c.ranked_read * 1e3:.2f} ms | |",
        f"| post (without its deliveries) | {c.post * 1e3:.1f} ms | PostgreSQL {c.postgres_per_post * 1e3:.2f} ms |",
        f"| delivery (Redis + Cassandra) | {c.delivery * 1e6:.0f} us | Redis {c.redis_per_delivery * 1e6:.0f} us,"
        f" hot fanout worker {c.ingest_per_delivery * 1e6:.0f} us |",
        f"| like | {c.like * 1e3:.2f} ms | PostgreSQL {c.postgres_per_like * 1e3:.2f} ms |",
        f"| notification | {c.notification * 1e3:.2f} ms | |",
        "",
        "Sources: " + "; ".join(f"{k}: {v}" for k, v in c.sources.items()) + f"; storage: {s.source}.",
        "",
        "| stored item | bytes |",
        "|---|---|",
        f"| Redis home-timeline entry | {s.redis_per_home_entry:.1f} |",
        f"| Redis, the rest of an active reader | {s.redis_per_reader:,.0f} |",
        f"| Cassandra `home_timeline` row (on disk, one replica) | {s.cassandra_per_home_row:.1f} |",
        f"| Cassandra `user_timeline` row | {s.cassandra_per_author_row:.1f} |",
        f"| PostgreSQL post (100 characters, with indexes) | {s.postgres_per_post:.0f} |",
        "",
        f"Followers: mean {f.body_mean:.1f} (socfb-Reed98) for {1 - sum(t.share for t in f.tail):.2%} of users; "
        + ", ".join(f"{t.share:.2%} with {t.low:,.0f}-{t.high:,.0f}" for t in f.tail)
        + f"; celebrity threshold {f.threshold:,} (celebrities: {f.celebrity_share():.2%} of users); "
        f"pushed deliveries per post: {f.pushed_per_post():.1f}.",
        "",
        "### Plans",
        "",
        "| daily users | cores at peak | machines | Redis | Redis shards | home entries/reader"
        " | Cassandra / year (RF 3) | PostgreSQL posts / year |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in plans:
        lines.append(
            f"| {_users(p.daily_users)} | {p.cores:,.0f} | {p.machines:,} x {a.cores_per_machine} cores"
            f" | {p.redis_gib:,.0f} GiB | {p.redis_shards:,} | {p.home_entries_per_reader:,.0f}"
            f" | {p.cassandra_tib_per_year:,.1f} TiB | {p.postgres_gib_per_year:,.1f} GiB |"
        )
    lines += ["", "| daily users | " + " | ".join(plans[0].cores_by_work) + " |"]
    lines.append("|---" * (len(plans[0].cores_by_work) + 1) + "|")
    for p in plans:
        shares = (v / a.target_utilization for v in p.cores_by_work.values())
        lines.append(f"| {_users(p.daily_users)} | " + " | ".join(f"{v:,.1f}" for v in shares) + " |")
    lines += ["", "### Single-instance limits, first first", "", "| limit | reached at daily users |", "|---|---|"]
    lines += [f"| {name} | {_users(users)} |" for name, users in limits]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity_report", description="`make capacity`: " + __doc__)
    parser.add_argument("--json", action="store_true", help="the plans as JSON instead of the tables")
    args = parser.parse_args(argv)
    costs, storage, followers = inputs()
    a = Assumptions()
    home_max = TimelineSettings.home_timeline_max
    plans = [plan(n, a, followers, costs, storage, home_max) for n in (1_000_000, 10_000_000, 100_000_000)]
    limits = bottlenecks(a, followers, costs, storage, home_max)
    if args.json:
        print(
            json.dumps({"plans": [asdict(p) for p in plans], "bottlenecks": limits, "costs": asdict(costs)}, indent=1)
        )
    else:
        print(markdown(a, followers, costs, storage, plans, limits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
