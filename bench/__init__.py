"""The timeline benchmark (`make bench`): see bench/README.md.

The generated stubs live in gen/ (pytest and the services get it on their path; `make bench` runs plain
`python -m bench.run`), so the package puts it on sys.path once, here.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_GEN = str(ROOT / "gen")
if _GEN not in sys.path:
    sys.path.insert(0, _GEN)
