"""What grew between two heap snapshots of one process (services.common.heap_trace, `FEEDMESH_HEAP_TRACE=1`, SIGUSR1).

    python -m bench.heap_compare OLDER.snap NEWER.snap [--top 25] [--by traceback|lineno|filename]

Prints the traced totals of both, their difference per minute (the snapshots' file times), and the allocation sites
whose size changed most, by traceback unless told otherwise.
"""

from __future__ import annotations

import argparse
import tracemalloc
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Growth:
    size_diff: int
    count_diff: int
    size: int
    count: int
    where: list[str]


def growth(older: tracemalloc.Snapshot, newer: tracemalloc.Snapshot, by: str = "traceback") -> list[Growth]:
    """The sites of `newer` against `older`, the largest change of size first."""
    return [
        Growth(d.size_diff, d.count_diff, d.size, d.count, d.traceback.format()) for d in newer.compare_to(older, by)
    ]


def total(snapshot: tracemalloc.Snapshot) -> int:
    return sum(s.size for s in snapshot.statistics("filename"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("older", type=Path)
    parser.add_argument("newer", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--by", choices=("traceback", "lineno", "filename"), default="traceback")
    args = parser.parse_args(argv)
    older = tracemalloc.Snapshot.load(str(args.older))
    newer = tracemalloc.Snapshot.load(str(args.newer))
    minutes = max((args.newer.stat().st_mtime - args.older.stat().st_mtime) / 60, 1e-9)
    before, after = total(older), total(newer)
    print(
        f"traced {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB in {minutes:.1f} min: "
        f"{(after - before) / 1e6 / minutes:+.3f} MB/min"
    )
    for g in growth(older, newer, args.by)[: args.top]:
        print(
            f"\n{g.size_diff / 1e3:+.1f} kB ({g.size_diff / 1e3 / minutes:+.1f} kB/min), {g.count_diff:+d} blocks; "
            f"now {g.size / 1e3:.1f} kB in {g.count} blocks"
        )
        print("\n".join(f"    {line}" for line in g.where))


if __name__ == "__main__":
    main()
