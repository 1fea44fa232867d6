"""The one way our tools start headless Chromium: node runs a playwright-core script (tools/*.mjs) with Debian's
`chromium` and playwright-core from the npm cache (`make browser` installs both)."""

from __future__ import annotations

import shutil
from pathlib import Path

from gateway.settings import load_gateway_settings


def browser_command(script: Path, url: str) -> list[str]:
    """The command line that runs `script` against `url`; RuntimeError when node, chromium or playwright-core is
    missing."""
    modules = load_gateway_settings().npm_modules
    node, chromium = shutil.which("node"), shutil.which("chromium")
    if node is None or chromium is None or not (modules / "playwright-core").is_dir():
        raise RuntimeError("node, chromium or playwright-core is missing: run `make browser`")
    return [node, str(script), "--url", url, "--modules", str(modules), "--chromium", chromium]
