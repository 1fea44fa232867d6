"""The console script's entry point: `feedmesh = "feedmesh_cli.main:run"` in pyproject.toml."""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def use_checkout_sources() -> None:
    """The console script runs from the venv, without the PYTHONPATH the stack gives the services ($ROOT/gen:$ROOT,
    stack/lib.sh): put the same source roots of this checkout first, so the generated stubs and stack.settings
    import. Only the CLI package itself is installed (pyproject.toml): installing gen/ and stack/ would add this
    checkout's copies to every process of the shared venv."""
    for root in (CHECKOUT, CHECKOUT / "gen"):
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))


def run() -> None:
    use_checkout_sources()
    from feedmesh_cli.app import app  # imports the generated stubs: only once the source roots are set

    app(prog_name="feedmesh")
