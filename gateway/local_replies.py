"""Envoy's own replies (no route, a refused token, a spent budget, no service answering) in the shape each caller
reads: the contract's JSON error body for REST callers, a grpc-status for gRPC-Web callers, and `Retry-After` on a
503 for everyone."""

from __future__ import annotations

from typing import Any

# Envoy's own HTTP replies -> the gRPC code of the contract's error body {"code", "message", "details"}, and the
# message when Envoy's own text (%LOCAL_REPLY_BODY%, e.g. "Jwt is expired") is not the best one.
LOCAL_REPLY_CODES: dict[int, tuple[int, str]] = {
    400: (3, "%LOCAL_REPLY_BODY%"),  # INVALID_ARGUMENT: unknown query parameter, bad JSON (transcoder)
    401: (16, "%LOCAL_REPLY_BODY%"),  # UNAUTHENTICATED: missing or bad token (jwt_authn)
    403: (7, "%LOCAL_REPLY_BODY%"),  # PERMISSION_DENIED: wrong audience (jwt_authn)
    404: (5, "%LOCAL_REPLY_BODY%"),  # NOT_FOUND: no such route (transcoder, router)
    405: (12, "%LOCAL_REPLY_BODY%"),  # UNIMPLEMENTED
    408: (4, "request not received in time"),  # DEADLINE_EXCEEDED: over FEEDMESH_GATEWAY_REQUEST_TIMEOUT_SECONDS
    413: (8, "request body too large"),  # RESOURCE_EXHAUSTED: over FEEDMESH_GATEWAY_MAX_BODY_BYTES (buffer)
    429: (8, "rate limit exceeded; retry later"),  # RESOURCE_EXHAUSTED: over the budget (local_ratelimit)
    431: (8, "request URL or headers too large"),  # RESOURCE_EXHAUSTED: over FEEDMESH_GATEWAY_MAX_HEADERS_KB / _COUNT
    500: (13, "%LOCAL_REPLY_BODY%"),  # INTERNAL
    502: (14, "%LOCAL_REPLY_BODY%"),  # UNAVAILABLE
    503: (14, "%LOCAL_REPLY_BODY%"),  # UNAVAILABLE: no healthy upstream, connection refused
    504: (4, "%LOCAL_REPLY_BODY%"),  # DEADLINE_EXCEEDED: route timeout
}

# Envoy's own HTTP replies -> the gRPC status a gRPC-Web caller gets (what a native gRPC caller gets for them)
GRPC_WEB_REPLY_CODES: dict[int, int] = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 12,  # UNIMPLEMENTED: no such method, an internal service
    408: 4,  # DEADLINE_EXCEEDED: the request did not arrive in time
    413: 8,  # RESOURCE_EXHAUSTED: request too large
    429: 8,  # RESOURCE_EXHAUSTED: over the budget
    431: 8,  # RESOURCE_EXHAUSTED: headers too large
    500: 13,  # INTERNAL
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE
    504: 4,  # DEADLINE_EXCEEDED
}

# Seconds a client is asked to wait after a 503 (Retry-After), as the services' own UNAVAILABLE answers say it.
RETRY_AFTER_SECONDS = 2


def local_reply_mappers() -> list[dict[str, Any]]:
    rest_caller = {
        "or_filter": {
            "filters": [
                {
                    "header_filter": {
                        "header": {
                            "name": "content-type",
                            "string_match": {"prefix": "application/grpc"},
                            "invert_match": True,
                            "treat_missing_header_as_empty": True,
                        }
                    }
                },
                {"header_filter": {"header": {"name": "x-envoy-original-method", "present_match": True}}},
            ]
        }
    }
    mappers: list[dict[str, Any]] = []
    retry_after = [{"header": {"key": "retry-after", "value": str(RETRY_AFTER_SECONDS)}}]
    for status, (code, message) in LOCAL_REPLY_CODES.items():
        mapper: dict[str, Any] = {
            "filter": {"and_filter": {"filters": [_status_is(status), rest_caller]}},
            "body_format_override": {
                "json_format": {"code": code, "message": message, "details": []},
            },
        }
        if status == 503:
            mapper["headers_to_add"] = retry_after
        mappers.append(mapper)
    # A gRPC-Web caller gets Envoy's own refusals as a native gRPC caller does: HTTP 200 with grpc-status in the
    # headers. gRPC-Web clients (connect-web, grpc-web) read a code from any other HTTP status instead of
    # grpc-status, so a 429 would reach them as UNAVAILABLE rather than RESOURCE_EXHAUSTED.
    grpc_web_caller = {
        "or_filter": {
            "filters": [
                {"header_filter": {"header": {"name": "x-grpc-web", "present_match": True}}},
                {
                    "header_filter": {
                        "header": {"name": "content-type", "string_match": {"prefix": "application/grpc-web"}}
                    }
                },
            ]
        }
    }
    for status, code in GRPC_WEB_REPLY_CODES.items():
        trailers_only = [
            {"header": {"key": key, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
            for key, value in (
                ("content-type", "application/grpc"),
                ("grpc-status", str(code)),
                ("grpc-message", "%RESPONSE_CODE_DETAILS%"),
            )
        ]
        mappers.append(
            {
                "filter": {"and_filter": {"filters": [_status_is(status), grpc_web_caller]}},
                "status_code": 200,
                "headers_to_add": trailers_only + (retry_after if status == 503 else []),
                "body_format_override": {"text_format": ""},
            }
        )
    # a native gRPC caller's 503 (no service answers) keeps Envoy's UNAVAILABLE status and gets the header too
    mappers.append({"filter": _status_is(503), "headers_to_add": retry_after})
    return mappers


def _status_is(status: int) -> dict[str, Any]:
    return {
        "status_code_filter": {
            "comparison": {"op": "EQ", "value": {"default_value": status, "runtime_key": f"gateway.reply.{status}"}}
        }
    }
