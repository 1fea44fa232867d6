"""What the timeline's per-post in-process caches weigh when full: each is filled with `--entries` entries of the kind
a feed read keeps (ids as large as the stack's, a post's text `--text` characters long) and its traced memory
(tracemalloc) divided by the entries, then multiplied by the cap (TimelineSettings' defaults; stack/defaults.env
sets none of them).

    python -m bench.timeline_cache_caps [--entries 20000] [--text 14]

The soak's posts are 14 characters ("chaos " and 8 hex digits). Per-reader state (followees, read plans, ranked
windows) depends on how many accounts each reader follows and is left out.
"""

from __future__ import annotations

import argparse
import dataclasses
import tracemalloc
from collections.abc import Callable
from typing import Any

from services.common.local_cache import LruCache
from services.timeline.api.servicer import EncodedItems
from services.timeline.app.author_cache import _Shown
from services.timeline.app.post_stats_cache import _Counted
from services.timeline.domain.feed import Author, FeedItem, Post, PostStats, Visibility
from services.timeline.settings import TimelineSettings

BASE_ID = 7_400_000_000_000_000_000  # snowflake-sized ids: every one an int object of its own


def post(i: int, text: int) -> Post:
    return Post(BASE_ID + i, BASE_ID + i % 997, ("x" * text) + str(i), Visibility.PUBLIC, 1_796_000_000_000_000_000 + i)


def author(i: int) -> Author:
    return Author(BASE_ID + i, f"load_{i:012x}", f"Load {i}", False, 1_796_000_000_000_000_000 + i, i % 300, i % 200)


def weigh(fill: Callable[[int], object], entries: int) -> float:
    """Bytes per entry that `fill(entries)` keeps."""
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    kept = fill(entries)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return (after - before) / entries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--text", type=int, default=14)
    args = parser.parse_args(argv)
    fields: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(TimelineSettings)}

    def posts(n: int) -> object:
        lru: LruCache[int, Post] = LruCache(n, float("inf"))
        for i in range(n):
            lru.put(BASE_ID + i, post(i, args.text))
        return lru

    def encoded(n: int) -> object:
        items = EncodedItems(size=n)
        for i in range(n):  # an entry holds its post, author and counts too: shared while the other caches keep them
            items._bytes(FeedItem(post(i, args.text), author(i), PostStats(i % 50, i % 7, 0, False)))
        return items

    def counts(n: int) -> object:
        lru: LruCache[int, _Counted] = LruCache(n, float("inf"))
        for i in range(n):
            lru.put(BASE_ID + i, _Counted(PostStats(i % 50, i % 7, i % 3, False), float(i)))
        return lru

    def authors(n: int) -> object:
        lru: LruCache[int, _Shown] = LruCache(n, float("inf"))
        for i in range(n):
            lru.put(BASE_ID + i, _Shown(author(i), float(i), float(i)))
        return lru

    rows = [
        ("posts (post_cache_size)", posts, int(fields["post_cache_size"])),
        ("encoded feed items (EncodedItems)", encoded, EncodedItems().size),
        ("post counts (post_stats_cache_size)", counts, int(fields["post_stats_cache_size"])),
        ("authors (author_cache_size)", authors, int(fields["author_cache_size"])),
    ]
    print("| cache | bytes per entry | cap (entries) | at the cap (MB) |\n|---|---|---|---|")
    for name, fill, cap in rows:
        per_entry = weigh(fill, args.entries)
        print(f"| {name} | {per_entry:,.0f} | {cap:,} | {per_entry * cap / 1e6:,.0f} |")


if __name__ == "__main__":
    main()
