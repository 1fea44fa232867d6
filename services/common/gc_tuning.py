"""Garbage-collector settings for the long-running service processes.

CPython's cycle collector scans every tracked object of the generation it collects. A service's heap is mostly what
it built at start (modules, protobuf descriptors, clients, pools) and, later, its caches; at the defaults (a young
collection every 700 allocations, older ones in proportion) the collector keeps walking them. Freezing the start-up
heap takes it out of every later scan, and a larger young generation makes the scans of the rest rarer; reference
cycles are still collected, less often. It shortens the timeline's publish-to-visible tail (bench/README.md).

CPython runs a full collection only once the objects promoted to the oldest generation since the last one number a
quarter of what that one left there. A freeze does not update that count, so a collection right after it, of the
few objects not frozen, sets it; otherwise the first automatic full collection waits for a quarter of the whole
start-up heap (the imports alone are 84,000 to 111,000 objects), and the cycles that outlive a young collection
(requests in flight at that moment: gRPC's per-call objects, the Cassandra driver's futures, exceptions with their
tracebacks) pile up in the oldest generation until then.
"""

from __future__ import annotations

import gc

# Allocations (minus deallocations) of tracked objects between young collections; CPython's default is 700.
YOUNG_THRESHOLD = 50_000


def settle_after_start(young_threshold: int = YOUNG_THRESHOLD) -> None:
    """Call once the service is built, before it serves."""
    gc.collect()
    gc.freeze()
    gc.collect()  # counts the oldest generation without the frozen heap (see above)
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(young_threshold, older, oldest)
