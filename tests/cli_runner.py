"""Runs the operator CLI as its own process, as an operator would: `python -m feedmesh_cli` (what the `feedmesh`
console script runs), from outside the checkout, with only the checkout's root on the path so that the CLI must find
the generated stubs itself."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


def _command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "feedmesh_cli", *args]


def _environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({"PYTHONPATH": str(CHECKOUT), "COLUMNS": "200", "NO_COLOR": "1", **extra})
    return env


def run_cli(args: list[str], *, cwd: Path, env: Mapping[str, str] = {}) -> Outcome:
    done = subprocess.run(_command(args), cwd=cwd, env=_environment(env), capture_output=True, text=True, timeout=60)
    return Outcome(done.returncode, done.stdout, done.stderr)


async def run_cli_async(args: list[str], *, cwd: Path, env: Mapping[str, str] = {}) -> Outcome:
    """For tests whose server runs in the test's own event loop: waiting must not block the loop."""
    process = await asyncio.create_subprocess_exec(
        *_command(args), cwd=cwd, env=_environment(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return Outcome(process.returncode, out.decode(), err.decode())
