"""Apply the schemas versioned in schema/ to the data tier; every step is idempotent, so tests may re-run it.

python -m stack.schema apply [postgres|cassandra|kafka|s3 ...]

from stack.schema import apply
apply(load_settings(), ["kafka"])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from stack.schema import cassandra, kafka, postgres, s3
from stack.settings import StackSettings

STEPS: dict[str, Callable[[StackSettings], str]] = {
    "postgres": postgres.apply,
    "cassandra": cassandra.apply,
    "kafka": kafka.apply,
    "s3": s3.apply,
}


def apply(settings: StackSettings, components: Iterable[str] | None = None, *, verbose: bool = False) -> None:
    for name in components or STEPS:
        start = time.monotonic()
        summary = STEPS[name](settings)
        if verbose:
            print(f"  schema {name:<10} {time.monotonic() - start:4.1f}s  {summary}", flush=True)
