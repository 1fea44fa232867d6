"""Schemathesis against the running gateway: does every operation accept the data its OpenAPI schema allows, does
every answer match the document, and does none answer 5xx?

`python -m gateway.fuzz_api [--examples N] [--seed S] [--gateway URL] [--scenarios N] [--report FILE]`
(`make fuzz-api`) reads the document the gateway serves at /openapi.json and signs up users of its own; an auth
provider gives every generated call a valid bearer token (a fresh user's once the current one has spent its write
budget). Two phases:
1. each operation gets N examples that Schemathesis generates from its schema (positive data only, Hypothesis
   seeded, so a run is repeatable);
2. stateful (gateway.fuzz_stateful): `--scenarios` sequences of calls that follow the document's links, so ids come
   from earlier answers (a post created, then liked, commented on, deleted, read again).
Every answer of both is checked against the document (gateway.fuzz_conformance): a status the operation lists (not
only its catch-all `default`), its content type, its body schema, no 5xx. Per operation it counts the answers:
- accepted: 2xx;
- rejected: 400, the server refused data its schema allows;
- other 4xx: 401/403/404/409, and a 400 whose ErrorInfo reason says a referenced object does not exist
  (well-formed, but about ids that do not exist or are not the caller's);
- throttled: 429; and 5xx.
Cursors are the server's opaque tokens, not data a client makes up: list operations get the first page's (empty)
cursor. Exit 1 when any answer was 5xx or did not match the document, or an operation rejected more than
`--max-rejected` of its examples. `--report` writes the counts as JSON (`make fuzz-api`: bench/results).

Budgets shape the run: the gateway allows FEEDMESH_RATE_PUBLIC_PER_MIN (30) unauthenticated calls per address and
FEEDMESH_RATE_WRITE_PER_MIN (120) writes per user, so public operations get a few examples and writes are spread
over several users.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from feedmesh_cli.api_client import default_gateway_url
from gateway.fuzz_conformance import conformance_failures, error_reason
from gateway.fuzz_stateful import StatefulTally, run_stateful
from services.common.polling import wait_for_sync

# A server stream stays open until the gateway's stream cap: not something to send examples to.
SKIPPED_OPERATIONS = {"NotificationService_StreamNotifications", "NotificationService.StreamNotifications"}
PUBLIC_ROUTES = {("POST", "/v1/users"), ("POST", "/v1/sessions"), ("GET", "/v1/jwks")}
NUMERIC_OPTIONS = (
    ("--examples", 20, "examples per operation"),
    ("--seed", 27, "Hypothesis seed"),
    ("--public-examples", 5, "examples per public operation (register, log in, JWKS)"),
    ("--writes-per-user", 100, "writes by one user before the next one signs up"),
    ("--max-rejected", 0.5, "share of 400s that fails an operation"),
    ("--scenarios", 60, "stateful scenarios (0: none)"),
    ("--steps", 8, "most calls in one stateful scenario"),
)
# 400s about a reference rather than the data's form (a media ref of the right shape that names no uploaded object)
REFERENCE_REASONS = {"MEDIA_NOT_FOUND"}


@dataclass
class Tally:
    """What one operation answered."""

    examples: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    unknown_references: int = 0
    rejected_samples: list[str] = field(default_factory=list)
    nonconforming: Counter[str] = field(default_factory=Counter)
    """failure (check and status) -> answers that did not match the document"""
    nonconforming_samples: list[str] = field(default_factory=list)

    def count(self, lower: int, upper: int) -> int:
        return sum(n for status, n in self.statuses.items() if lower <= status <= upper)

    @property
    def accepted(self) -> int:
        return self.count(200, 299)

    @property
    def rejected(self) -> int:
        return self.statuses[400] - self.unknown_references

    @property
    def throttled(self) -> int:
        return self.statuses[429]

    @property
    def server_errors(self) -> int:
        return self.count(500, 599)

    @property
    def semantic(self) -> int:
        return self.examples - self.accepted - self.rejected - self.throttled - self.server_errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "accepted": self.accepted,
            "rejected": self.rejected,
            "other_4xx": self.semantic,
            "throttled": self.throttled,
            "server_errors": self.server_errors,
            "nonconforming": dict(self.nonconforming),
            "samples": self.rejected_samples + self.nonconforming_samples,
        }


class Users:
    """Fresh accounts for the run, a new one whenever the current one has spent its write budget."""

    def __init__(self, gateway: str, writes_per_user: int) -> None:
        self.gateway = gateway
        self.writes_per_user = writes_per_user
        self.writes = 0
        self.token = ""
        self.rotate()

    def rotate(self) -> None:
        handle = f"fz_{secrets.token_hex(6)}"
        password = secrets.token_urlsafe(12)
        credentials = {"handle": handle, "password": password}
        public_call(f"{self.gateway}/v1/users", credentials)
        self.token = public_call(f"{self.gateway}/v1/sessions", credentials)["accessToken"]
        self.writes = 0

    def token_for(self, method: str) -> str:
        """The current user's token; a write counts against its budget, and a spent budget signs up the next."""
        if method.upper() != "GET":
            if self.writes + 1 > self.writes_per_user:
                self.rotate()
            self.writes += 1
        return self.token


def sign_with_fresh_tokens(schema: Any, users: Users) -> None:
    """Registers a Schemathesis auth provider on `schema`: every generated call but the public ones carries the
    bearer token of a live user of the run (asked for each call: no caching, so a rotation takes effect at once)."""

    @schema.auth(refresh_interval=None)
    class FreshToken:
        def get(self, case: Any, context: Any) -> str | None:
            return None if is_public(case.operation) else users.token_for(case.method)

        def set(self, case: Any, token: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


def public_call(url: str, body: dict[str, str]) -> dict[str, Any]:
    """A sign-up or log-in; past the per-address budget it waits for the bucket's refill, as a client should."""
    answer = wait_for_sync(
        lambda: requests.post(url, json=body, timeout=10),
        lambda answer: answer.status_code != 429,
        what=f"a {url} call within the public rate limit",
        within=70,
        interval=2,
    )
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def without_skipped(document: dict[str, Any]) -> dict[str, Any]:
    """The document without SKIPPED_OPERATIONS, so that no phase calls them."""
    paths = {}
    for path, item in document.get("paths", {}).items():
        kept = {
            method: op
            for method, op in item.items()
            if not isinstance(op, dict) or op.get("operationId") not in SKIPPED_OPERATIONS
        }
        if kept:
            paths[path] = kept
    return {**document, "paths": paths}


def operation_name(operation: Any) -> str:
    return str(operation.definition.raw.get("operationId") or operation.label)


def is_public(operation: Any) -> bool:
    """Register and log in (also in a document that declares no security, such as the old Swagger 2.0 one)."""
    return (operation.method.upper(), operation.path) in PUBLIC_ROUTES


def fuzz_operation(operation: Any, gateway: str, examples: int, random_seed: int) -> Tally:
    tally = Tally()
    query_names = {parameter.name for parameter in operation.query}
    first_page = {"cursor": ""} if "cursor" in query_names else None

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @seed(random_seed)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(query=first_page))
        response = case.call(base_url=gateway, timeout=10)
        tally.examples += 1
        tally.statuses[response.status_code] += 1
        for failure in conformance_failures(case, response):
            tally.nonconforming[failure.split(":", 1)[0] + f" {response.status_code}"] += 1
            if len(tally.nonconforming_samples) < 3:
                tally.nonconforming_samples.append(f"{case.path_parameters} {case.query} -> {failure}")
        if response.status_code == 400 and error_reason(response) in REFERENCE_REASONS:
            tally.unknown_references += 1
        elif response.status_code == 400 and len(tally.rejected_samples) < 3:
            tally.rejected_samples.append(
                f"{case.path_parameters} {case.query} {case.body!r:.80} -> {response.text:.120}"
            )

    run()
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.fuzz_api", description=__doc__.split("\n")[0])
    parser.add_argument("--gateway", default=None, help="gateway base URL (default FEEDMESH_GATEWAY_URL, else local)")
    parser.add_argument("--schema", default=None, help="an OpenAPI file to use instead of the gateway's /openapi.json")
    parser.add_argument(
        "--report", default=None, help="write the counts as JSON to this file (a directory: a new file)"
    )
    for option, default, text in NUMERIC_OPTIONS:
        parser.add_argument(option, type=type(default), default=default, help=f"{text} (default {default})")
    args = parser.parse_args(argv)
    gateway = (args.gateway or default_gateway_url()).rstrip("/")

    if args.schema:
        with open(args.schema) as source:
            document = json.load(source)
    else:
        document = requests.get(f"{gateway}/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(without_skipped(document))
    users = Users(gateway, args.writes_per_user)
    sign_with_fresh_tokens(schema, users)
    started = time.monotonic()
    tallies: dict[str, Tally] = {}
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid operation raises here, as it should
        name = operation_name(operation)
        if name in SKIPPED_OPERATIONS:
            continue
        examples = args.public_examples if is_public(operation) else args.examples
        tallies[name] = fuzz_operation(operation, gateway, examples, args.seed)
    per_operation_seconds = time.monotonic() - started
    stateful = StatefulTally()
    if args.scenarios:
        stateful = run_stateful(schema, gateway, args.scenarios, args.steps, args.seed)
    seconds = {"per_operation": round(per_operation_seconds, 1), "total": round(time.monotonic() - started, 1)}

    failed = report(tallies, args.max_rejected)
    failed |= report_stateful(stateful)
    if args.report:
        write_report(Path(args.report), args, tallies, stateful, seconds, failed)
    return 1 if failed else 0


def write_report(
    out: Path,
    args: argparse.Namespace,
    tallies: dict[str, Tally],
    stateful: StatefulTally,
    seconds: dict[str, float],
    failed: bool,
) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if out.is_dir() or not out.suffix:
        out = out / f"fuzz-api-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "finished": stamp,
        "options": {
            name: getattr(args, name) for name in (option[2:].replace("-", "_") for option, _, _ in NUMERIC_OPTIONS)
        },
        "seconds": seconds,
        "passed": not failed,
        "operations": {name: tally.as_dict() for name, tally in tallies.items()},
        "stateful": stateful.as_dict(),
    }
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")


def report(tallies: dict[str, Tally], max_rejected: float) -> bool:
    print(f"{'operation':48} {'examples':>8} {'2xx':>5} {'400':>5} {'4xx':>5} {'429':>5} {'5xx':>5} {'off-doc':>7}")
    failed = False
    for name, t in tallies.items():
        off = sum(t.nonconforming.values())
        bad = t.server_errors > 0 or off > 0 or (t.examples and t.rejected / t.examples > max_rejected)
        failed |= bool(bad)
        mark = "  <- FAIL" if bad else ""
        print(
            f"{name:48} {t.examples:8} {t.accepted:5} {t.rejected:5} {t.semantic:5} {t.throttled:5} "
            f"{t.server_errors:5} {off:7}{mark}"
        )
        for sample in t.rejected_samples + t.nonconforming_samples:
            print(f"    {sample}")
    total = Tally()
    for t in tallies.values():
        total.examples += t.examples
        total.statuses.update(t.statuses)
        total.unknown_references += t.unknown_references
        total.nonconforming.update(t.nonconforming)
    most = sum(1 for t in tallies.values() if t.examples and t.rejected / t.examples > max_rejected)
    print(
        f"operations {len(tallies)}, examples {total.examples}, accepted {total.accepted}, rejected {total.rejected}, "
        f"other 4xx {total.semantic}, throttled {total.throttled}, 5xx {total.server_errors}, "
        f"not matching the document {sum(total.nonconforming.values())}; operations rejecting most of their "
        f"examples: {most}"
    )
    return failed


def report_stateful(tally: StatefulTally) -> bool:
    """Prints the stateful phase's counts; True when a step answered 5xx or off the document."""
    if not tally.scenarios:
        return False
    print(
        f"stateful: {tally.scenarios} scenarios, {sum(tally.steps.values())} steps, "
        f"{sum(tally.linked.values())} following a link, 5xx {tally.server_errors}, "
        f"not matching the document {sum(tally.failures.values())}"
    )
    for link, n in sorted(tally.linked.items()):
        print(f"    link {link}: {n}")
    for failure, n in tally.failures.most_common():
        print(f"    FAIL {failure}: {n}")
        for sample in tally.samples.get(failure, []):
            print(f"        {sample}")
    return tally.server_errors > 0 or bool(tally.failures)


if __name__ == "__main__":
    sys.exit(main())
