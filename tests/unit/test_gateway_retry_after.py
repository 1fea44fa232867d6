"""The gateway's own 503s (no service answers) carry Retry-After, for REST callers in the contract's error body, for
gRPC-Web callers as a trailers-only answer and for native gRPC callers as they are; no other local reply gets one."""

from __future__ import annotations

from typing import Any

from gateway.local_replies import RETRY_AFTER_SECONDS, local_reply_mappers


def _status(mapper: dict[str, Any]) -> int:
    found = mapper["filter"]
    if "and_filter" in found:
        found = found["and_filter"]["filters"][0]
    return int(found["status_code_filter"]["comparison"]["value"]["default_value"])


def _retry_after(mapper: dict[str, Any]) -> list[dict[str, Any]]:
    return [added for added in mapper.get("headers_to_add", []) if added["header"]["key"] == "retry-after"]


def test_only_503_replies_carry_retry_after() -> None:
    mappers = local_reply_mappers()
    with_header = [m for m in mappers if _retry_after(m)]
    assert {_status(m) for m in with_header} == {503}
    for mapper in with_header:
        assert _retry_after(mapper) == [{"header": {"key": "retry-after", "value": str(RETRY_AFTER_SECONDS)}}]


def test_a_rest_503_keeps_the_contract_body_and_a_grpc_one_its_status() -> None:
    mappers = local_reply_mappers()
    rest, grpc_web, native = [m for m in mappers if _status(m) == 503]
    assert rest["body_format_override"]["json_format"]["code"] == 14
    assert grpc_web["status_code"] == 200  # trailers-only, grpc-status 14 (tests/unit/test_gateway_grpc_web.py)
    assert "body_format_override" not in native  # Envoy's UNAVAILABLE grpc-status stays
    assert mappers.index(rest) < mappers.index(grpc_web) < mappers.index(native)  # the first matching one applies
