"""How each failure of a call to the gateway reaches the user: the server's message, what to do next, and the exit
status; the HTTP answers are made by a function (httpx.MockTransport), a closed port is real."""

from __future__ import annotations

import socket

import httpx
import pytest

from feedmesh_cli.api_client import FeedmeshApi
from feedmesh_cli.api_errors import (
    REFUSED,
    UNREACHABLE,
    ApiError,
    CliError,
    GatewayUnreachable,
    NotLoggedIn,
    describe,
    server_message,
)


def _answering(status: int, body: str, headers: dict[str, str] | None = None) -> FeedmeshApi:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=body, headers={"content-type": "application/json", **(headers or {})})

    return FeedmeshApi("http://gateway.test", token="jwt", transport=httpx.MockTransport(reply))


def _raised(call: object) -> CliError:
    with pytest.raises(CliError) as caught:
        assert callable(call)
        call()
    return caught.value


def test_an_error_body_becomes_an_api_error_with_the_servers_message() -> None:
    body = '{"code": 6, "message": "handle \'alice\' is taken", "details": []}'
    error = _raised(lambda: _answering(409, body).create_user("alice", "password1", "", False))
    assert error == ApiError(409, "handle 'alice' is taken")
    assert describe(error) == describe(ApiError(409, "handle 'alice' is taken"))
    assert describe(error).message == "conflict: handle 'alice' is taken" and describe(error).exit_status == REFUSED


def test_a_plain_text_error_keeps_its_text() -> None:
    error = _raised(lambda: _answering(404, "no healthy upstream\n").feed(20, "", ""))
    assert error == ApiError(404, "no healthy upstream")
    assert server_message(None, "") == "no message"


def test_an_answer_that_is_not_the_apis_json_names_the_address() -> None:
    error = _raised(lambda: _answering(200, "<html>a web page</html>").follow(7))
    assert error == ApiError(200, "the answer is not the API's JSON: is http://gateway.test the gateway?")


def test_429_says_when_to_try_again() -> None:
    body = '{"code": 8, "message": "rate limit exceeded; retry later", "details": []}'
    error = _raised(lambda: _answering(429, body, {"x-ratelimit-reset": "42"}).like(1))
    assert error == ApiError(429, "rate limit exceeded; retry later", 42)
    assert describe(error).message == "too many requests: rate limit exceeded; retry later; try again in 42 s"
    assert describe(ApiError(429, "slow down")).message.endswith("; try again later")


def test_401_tells_to_log_in() -> None:
    failure = describe(ApiError(401, "Jwt is expired"))
    assert failure.exit_status == REFUSED
    assert "Jwt is expired" in failure.message and "run `feedmesh login HANDLE`" in failure.message
    assert describe(NotLoggedIn("no saved session")).message == (
        "not logged in (no saved session): run `feedmesh login HANDLE`"
    )


@pytest.mark.parametrize(
    ("status", "label"), [(400, "bad request"), (403, "not allowed"), (404, "not found"), (418, "HTTP 418")]
)
def test_other_refusals_name_the_kind_and_keep_the_message(status: int, label: str) -> None:
    assert describe(ApiError(status, "why")).message == f"{label}: why"


def test_a_service_down_behind_the_gateway_is_unreachable() -> None:
    failure = describe(ApiError(503, "upstream connect error"))
    assert failure.exit_status == UNREACHABLE and "does not answer (HTTP 503)" in failure.message


def test_a_gateway_that_is_down_is_named_with_what_to_do() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        error = _raised(lambda: FeedmeshApi(f"http://127.0.0.1:{port}", timeout=2).notifications(20, ""))
    assert isinstance(error, GatewayUnreachable) and error.url == f"http://127.0.0.1:{port}"
    failure = describe(error)
    assert failure.exit_status == UNREACHABLE
    assert f"the gateway at http://127.0.0.1:{port} does not answer" in failure.message
    assert "make up" in failure.message and "FEEDMESH_GATEWAY_URL" in failure.message
