"""Does an answer match the document (gateway.fuzz_api)? Schemathesis's response checks, plus one of ours: the
status is one the operation lists itself, not only covered by its catch-all `default` answer (which would make
every status "documented").

Returns the failures as short strings (check title, status, the first line of Schemathesis's message), so a run
keeps going and counts them instead of stopping at the first.
"""

from __future__ import annotations

from typing import Any

from schemathesis import checks
from schemathesis.checks import FailureGroup

# Every answer: no 5xx, a status the operation documents, its content type, its body against the schema, its
# declared headers.
RESPONSE_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
# A stateful scenario also: a resource just created can be read (ensure_resource_availability), and one just deleted
# cannot (use_after_free).
STATEFUL_CHECKS = [*RESPONSE_CHECKS, checks.ensure_resource_availability, checks.use_after_free]


def listed_statuses(operation: Any) -> set[str]:
    return {str(status) for status in operation.definition.raw.get("responses", {})} - {"default"}


def conformance_failures(case: Any, response: Any, *, stateful: bool = False, recorder: Any = None) -> list[str]:
    """What is wrong with `response` to `case` by the document; empty when nothing is."""
    found = []
    if str(response.status_code) not in listed_statuses(case.operation):
        found.append(f"status not listed: {response.status_code} {error_reason(response)}".rstrip())
    try:
        case.validate_response(
            response,
            checks=STATEFUL_CHECKS if stateful else RESPONSE_CHECKS,
            headers=dict(case.headers or {}),
            recorder=recorder,
        )
    except FailureGroup as group:
        found += [_describe(failure, response) for failure in group.exceptions]
    except AssertionError as failure:
        found.append(_describe(failure, response))
    return found


def _describe(failure: BaseException, response: Any) -> str:
    title = getattr(failure, "title", type(failure).__name__)
    message = str(getattr(failure, "message", failure)).strip().splitlines()
    return f"{title}: {response.status_code} {message[0] if message else ''}"[:240]


def error_reason(response: Any) -> str:
    """The ErrorInfo reason of an error answer ("" for none)."""
    try:
        details = response.json().get("details") or [{}]
    except (ValueError, AttributeError):
        return ""
    return str(details[0].get("reason", "")) if isinstance(details[0], dict) else ""
