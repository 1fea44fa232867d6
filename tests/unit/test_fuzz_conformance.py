"""The response checks of the Schemathesis run (gateway/fuzz_conformance.py) on the served document: an answer
the document describes passes; a status only the catch-all `default` covers, a body off its schema, another
content type and a 5xx each fail, with what failed. Needs no running server: the answers are built here."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis

from gateway.fuzz_api import SKIPPED_OPERATIONS, without_skipped
from gateway.fuzz_conformance import conformance_failures, listed_statuses
from gateway.settings import load_gateway_settings

DOCUMENT: dict[str, Any] = json.loads(load_gateway_settings().openapi_path.read_text())
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
NOT_FOUND = {
    "code": 5,
    "message": "user 5 does not exist",
    "details": [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "USER_NOT_FOUND",
            "domain": "graph",
            "metadata": {},
        }
    ],
}


def answer(status: int, body: object, content_type: str = "application/json") -> schemathesis.Response:
    request = requests.Request("GET", "http://127.0.0.1:1/v1/users/5").prepare()
    return schemathesis.Response(
        status_code=status,
        headers={"content-type": [content_type]},
        content=json.dumps(body).encode(),
        request=request,
        elapsed=0.01,
        message="",
        encoding="utf-8",
        http_version="1.1",
        verify=False,
    )


@pytest.fixture
def get_user() -> Any:
    return SCHEMA["/v1/users/{user_id}"]["GET"].Case(path_parameters={"user_id": "5"})


def test_a_documented_answer_passes(get_user: Any) -> None:
    assert conformance_failures(get_user, answer(404, NOT_FOUND)) == []
    user = {"id": "5", "handle": "abc", "followerCount": "0", "followingCount": "0", "private": False}
    assert conformance_failures(get_user, answer(200, user)) == []


def test_a_status_only_default_covers_is_not_documented(get_user: Any) -> None:
    assert "default" in get_user.operation.definition.raw["responses"]
    assert "418" not in listed_statuses(get_user.operation)
    assert conformance_failures(get_user, answer(418, NOT_FOUND)) == ["status not listed: 418 USER_NOT_FOUND"]


def test_a_body_off_its_schema_another_content_type_and_a_5xx_fail(get_user: Any) -> None:
    (wrong_type,) = conformance_failures(get_user, answer(200, {"id": 5}))
    assert wrong_type.startswith("Response violates schema: 200")
    (text,) = conformance_failures(get_user, answer(200, {"id": "5"}, "text/plain"))
    assert text.startswith("Undocumented Content-Type: 200")
    failures = conformance_failures(get_user, answer(500, {"code": 13, "message": "boom", "details": []}))
    assert "status not listed: 500" in failures and any(f.startswith("Server error: 500") for f in failures)


def test_skipped_operations_leave_the_document() -> None:
    kept = {op["operationId"] for item in without_skipped(DOCUMENT)["paths"].values() for op in item.values()}
    every = {op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()}
    assert kept == every - SKIPPED_OPERATIONS and "NotificationService_StreamNotifications" in every
