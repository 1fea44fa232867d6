"""The web app in headless Chromium: tools/web_browser.mjs plays two people through every screen on the running
stack and reports what it saw; with --shots it saves each screen under docs/screenshots/ (`make web-shots`).

    python -m gateway.web_browser --shots docs/screenshots

Chromium is Debian's `chromium` and playwright-core comes from the npm cache (`make browser` installs both); the app
is the gateway's build of web/ (`make web`, then a gateway restart). tests/e2e/test_web.py asserts on the report.
"""

from __future__ import annotations

import argparse
import gzip
import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from gateway.headless import browser_command
from gateway.settings import load_gateway_settings
from gateway.web_app import DIST_DIR
from stack.settings import ROOT

SCRIPT = ROOT / "tools" / "web_browser.mjs"
SHOTS_DIR = ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery"
# more than the app's feed page (web/src/feed.ts: PAGE), so that the feed pages
PAGING_POSTS = 25


def bundle_gzip_bytes(dist: Path = DIST_DIR) -> dict[str, int]:
    """Each built asset's size gzipped (what a browser downloads), by file name."""
    return {path.name: len(gzip.compress(path.read_bytes(), 9)) for path in sorted((dist / "assets").glob("*"))}


def seed_paging_author(gateway_url: str) -> int:
    """A fresh account with PAGING_POSTS posts, through the gateway's REST API; returns its id."""
    handle = f"pages_{secrets.token_hex(5)}"
    with httpx.Client(base_url=gateway_url, timeout=15) as client:
        client.post("/v1/users", json={"handle": handle, "password": PASSWORD}).raise_for_status()
        session = client.post("/v1/sessions", json={"handle": handle, "password": PASSWORD})
        session.raise_for_status()
        auth = {"authorization": f"Bearer {session.json()['accessToken']}"}
        for n in range(PAGING_POSTS):
            client.post("/v1/posts", json={"text": f"post {n + 1} of {PAGING_POSTS}"}, headers=auth).raise_for_status()
        return int(session.json()["userId"])


def browse(gateway_url: str, shots: Path | None = None, timeout: float = 240) -> dict[str, Any]:
    """Runs the script; raises RuntimeError when the browser cannot run or a step fails (the report says which)."""
    command = browser_command(SCRIPT, gateway_url)
    command += ["--paging-author", str(seed_paging_author(gateway_url))]
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        command += ["--shots", str(shots)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    report: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    if done.returncode != 0:
        raise RuntimeError(
            f"{SCRIPT.name} failed ({done.returncode}): {report.get('errors')}, done: {report.get('steps')}, "
            f"console: {report.get('console_errors')}; {done.stderr.strip()[-2000:]}"
        )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.web_browser", description=__doc__.split("\n")[0])
    parser.add_argument("--shots", type=Path, default=SHOTS_DIR, help=f"where the screenshots go ({SHOTS_DIR})")
    args = parser.parse_args(argv)
    settings = load_gateway_settings()
    try:
        report = browse(f"http://127.0.0.1:{settings.port}", args.shots)
    except (RuntimeError, subprocess.TimeoutExpired, httpx.HTTPError) as exc:
        print(f"web: {exc}", file=sys.stderr)
        return 1
    print(f"first feed page visible in {report['first_feed_ms']} ms; screenshots in {args.shots}")
    print(f"bundle gzipped: {bundle_gzip_bytes()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
