"""Garbage-collector settings for the long-running service processes.

CPython's cycle collector scans every tracked object of the generation it collects. A service's heap is mostly what
it built at start (modules, protobuf descriptors, clients, pools) and, later, its caches; at the defaults (a young
collection every 700 allocations, older ones in proportion) the collector keeps walking them. Freezing the start-up
heap takes it out of every later scan, and a larger young generation makes the scans of the rest rarer; reference
cycles are still collected, less often. It shortens the timeline's publish-to-visible tail (bench/README.md).
"""

from __future__ import annotations

import gc

# Allocations (minus deallocations) of tracked objects between young collections; CPython's default is 700.
YOUNG_THRESHOLD = 50_000


def settle_after_start() -> None:
    """Call once the service is built, before it serves."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
