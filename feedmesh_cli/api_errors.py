"""What can go wrong when the user commands call the gateway, and the one message (and exit status) each becomes.

The gateway answers errors as `{"code", "message", "details"}` (shared/api/public-rest-contract.md); the user sees
the server's message with what to do next, never a traceback. Exit statuses follow the admin commands': 1 refused,
2 usage, 3 the gateway (or a service behind it) does not answer."""

from __future__ import annotations

from dataclasses import dataclass

REFUSED, UNREACHABLE = 1, 3
LOGIN_HINT = "run `feedmesh login HANDLE`"


class CliError(Exception):
    """A failure the CLI explains to the user (`describe`)."""


@dataclass
class GatewayUnreachable(CliError):
    url: str
    reason: str


@dataclass
class NotLoggedIn(CliError):
    why: str  # "no saved session", "the saved session expired", ...


@dataclass
class ApiError(CliError):
    """The gateway answered with an HTTP error status."""

    status: int
    message: str
    retry_after_seconds: int | None = None


@dataclass(frozen=True)
class Failure:
    message: str  # one line (two for an unreachable gateway), printed after "feedmesh: " on stderr
    exit_status: int


def server_message(body: object, text: str) -> str:
    """The `message` of the contract's error body, else the response text (Envoy's own replies may be plain)."""
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return body["message"]
    return text.strip()[:300] or "no message"


def describe(error: CliError) -> Failure:
    """The message shown for a failure, and the process's exit status."""
    if isinstance(error, GatewayUnreachable):
        return Failure(
            f"the gateway at {error.url} does not answer ({error.reason}).\n"
            "Is the stack running? `make up` starts it; --gateway or FEEDMESH_GATEWAY_URL names another address.",
            UNREACHABLE,
        )
    if isinstance(error, NotLoggedIn):
        return Failure(f"not logged in ({error.why}): {LOGIN_HINT}", REFUSED)
    if isinstance(error, ApiError):
        return _describe_api_error(error)
    return Failure(str(error), REFUSED)


def _describe_api_error(error: ApiError) -> Failure:
    if error.status == 401:
        return Failure(f"not logged in: the gateway refused the saved session ({error.message}): {LOGIN_HINT}", REFUSED)
    if error.status == 429:
        wait = f"; try again in {error.retry_after_seconds} s" if error.retry_after_seconds else "; try again later"
        return Failure(f"too many requests: {error.message}{wait}", REFUSED)
    if error.status in (502, 503, 504):
        return Failure(
            f"the service behind the gateway does not answer (HTTP {error.status}): {error.message}", UNREACHABLE
        )
    labels = {400: "bad request", 403: "not allowed", 404: "not found", 409: "conflict"}
    label = labels.get(error.status, f"HTTP {error.status}")
    return Failure(f"{label}: {error.message}", REFUSED)
