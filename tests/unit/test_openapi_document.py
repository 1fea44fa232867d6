"""The OpenAPI document the gateway serves (gen/openapi/feedmesh.openapi.json, `make gen`): a valid OpenAPI 3.1
document by a standard validator, with the project's title and version, bearer security except on the public routes,
the Idempotency-Key header exactly where a service reads it, the gateway's error shape, no lint pragmas in its text,
and constraints that the services' own validation accepts: data the schema allows is data the server takes.
Needs no running server."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV31SpecValidator

from gateway.openapi import IDEMPOTENT_RPCS
from gateway.settings import load_gateway_settings
from services.auth.domain.users import handle_prefix, validate_display_name, validate_handle
from services.common.content_safety import ContentPolicy
from services.common.errors import InvalidArgument
from services.common.idempotency import check_idempotency_key
from services.common.pagination import page_limit
from services.engagement.domain.comments import COMMENT_MAX_CHARS
from services.media.domain.uploads import check_upload, is_media_ref
from services.timeline.domain.cursor import FeedMode

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT: dict[str, Any] = json.loads(load_gateway_settings().openapi_path.read_text())


def operations() -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for item in DOCUMENT["paths"].values() for op in item.values()}


def operation(operation_id: str) -> dict[str, Any]:
    return operations()[operation_id]


def body_property(operation_id: str, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = operation(operation_id)["requestBody"]["content"]["application/json"]["schema"]
    return dict(schema["properties"][name])


def parameter(operation_id: str, name: str) -> dict[str, Any]:
    return next(dict(p["schema"]) for p in operation(operation_id).get("parameters", []) if p["name"] == name)


def python_pattern(pattern: str) -> str:
    """A JSON Schema (ECMA-262) pattern for Python's re: there `$` also matches before a final newline, `\\Z` does
    not."""
    return re.sub(r"\$(?=\)|\||$)", r"\\Z", pattern)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Strings the schema allows (its pattern, within its lengths): what a client may send."""
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    return st.from_regex(python_pattern(schema["pattern"])).filter(lambda text: low <= len(text) <= high)


def test_document_is_valid_openapi_3_1() -> None:
    OpenAPIV31SpecValidator(DOCUMENT).validate()
    assert DOCUMENT["openapi"] == "3.1.0"


def test_title_and_version_are_the_projects() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert DOCUMENT["info"]["title"] == "feedmesh API"
    assert DOCUMENT["info"]["version"] == version


def test_bearer_security_everywhere_but_the_public_routes() -> None:
    scheme = DOCUMENT["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert DOCUMENT["security"] == [{"bearerAuth": []}]
    public = {op_id for op_id, op in operations().items() if op.get("security") == []}
    assert public == {"AuthService_CreateUser", "AuthService_CreateSession", "AuthService_GetJwks"}
    assert all("401" in op["responses"] for op_id, op in operations().items() if op_id not in public)


def servicer_methods_reading_idempotency_key() -> set[str]:
    """`<Service>_<Method>` for every servicer method that mentions IDEMPOTENCY_KEY."""
    found = set()
    for servicer in ROOT.glob("services/*/api/servicer.py"):
        for node in ast.walk(ast.parse(servicer.read_text())):
            if isinstance(node, ast.ClassDef) and node.bases and isinstance(node.bases[0], ast.Attribute):
                service = node.bases[0].attr.removesuffix("Servicer")
                for method in node.body:
                    names = {n.id for n in ast.walk(method) if isinstance(n, ast.Name)}
                    if isinstance(method, ast.AsyncFunctionDef) and "IDEMPOTENCY_KEY" in names:
                        found.add(f"{service}_{method.name}")
    return found


def test_idempotency_key_header_exactly_where_a_service_reads_it() -> None:
    with_header = {
        op_id
        for op_id, op in operations().items()
        if any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op.get("parameters", []))
    }
    assert with_header == servicer_methods_reading_idempotency_key()
    assert with_header == {rpc.split(".")[-1].replace("/", "_") for rpc in IDEMPOTENT_RPCS}


def test_errors_are_the_gateways_status_with_error_info() -> None:
    status = DOCUMENT["components"]["schemas"]["google.rpc.Status"]
    assert status["required"] == ["code", "message", "details"]
    assert status["properties"]["details"]["items"] == {"$ref": "#/components/schemas/google.rpc.ErrorInfo"}
    # a real error body, as the gateway returns it for a bad handle
    body = {
        "code": 3,
        "message": "handle must be 3-30 characters of a-z, 0-9 and _, got 'x'",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "BAD_HANDLE",
                "domain": "auth.feedmesh",
                "metadata": {},
            }
        ],
    }
    from jsonschema import Draft202012Validator

    schemas = {"components": DOCUMENT["components"], **status}
    Draft202012Validator(schemas).validate(body)
    create_user = operation("AuthService_CreateUser")["responses"]
    assert {"400", "409", "429", "503", "default"} <= set(create_user)


def test_statuses_a_service_comment_names_hold_for_each_of_its_operations() -> None:
    """EngagementService's comment says NOT_FOUND for a post the caller may not see: every engagement operation
    lists 404; the graph's relationship changes name it in their own comments."""
    engagement = [op for op_id, op in operations().items() if op_id.startswith("EngagementService_")]
    assert engagement and all("404" in op["responses"] for op in engagement)
    for op_id in ("BlockUser", "UnblockUser", "UnfollowUser", "AddCloseFriend", "RemoveCloseFriend"):
        assert "404" in operation(f"GraphService_{op_id}")["responses"], op_id
    assert "404" not in operation("MediaService_CreateUpload")["responses"]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def test_links_name_real_operations_parameters_and_answer_fields() -> None:
    """Every link goes from a 200 answer's field to a path parameter of an existing operation: a renamed field,
    parameter or RPC breaks it here, not silently in the stateful fuzz run."""
    linked: dict[str, set[str]] = {}
    for op_id, op in operations().items():
        answer = op["responses"]["200"]
        fields = _resolve(answer["content"]["application/json"]["schema"]).get("properties", {})
        for name, link in answer.get("links", {}).items():
            target = operation(link["operationId"])
            path_parameters = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
            assert set(link["parameters"]) == path_parameters, (op_id, name)
            for expression in link["parameters"].values():
                assert expression.startswith("$response.body#/") and expression.split("/")[-1] in fields, expression
            linked.setdefault(op_id, set()).add(link["operationId"])
    assert {"PostService_GetPost", "EngagementService_LikePost", "EngagementService_CreateComment"} <= linked[
        "PostService_CreatePost"
    ]
    assert "PostService_DeletePost" in linked["PostService_CreatePost"]
    assert {"GraphService_FollowUser", "GraphService_ListFollowers"} <= linked["AuthService_CreateUser"]
    assert linked["EngagementService_CreateComment"] == {
        "EngagementService_ListComments",
        "EngagementService_DeleteComment",
    }


def test_no_lint_pragmas_in_the_text() -> None:
    text = json.dumps(DOCUMENT)
    assert "buf:lint" not in text
    assert all("\n" not in op["summary"] for op in operations().values())


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_handles_the_schema_allows_are_accepted(data: st.DataObject) -> None:
    handle = data.draw(from_schema(body_property("AuthService_CreateUser", "handle")))
    assert validate_handle(handle) == handle.lower()


@pytest.mark.parametrize("bad", ["ab", "a" * 31, "with space", "dash-ed", "émile"])
def test_handles_the_schema_refuses_are_refused(bad: str) -> None:
    assert not re.search(body_property("AuthService_CreateUser", "handle")["pattern"], bad)
    with pytest.raises(InvalidArgument):
        validate_handle(bad)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_search_queries_the_schema_allows_are_accepted(data: st.DataObject) -> None:
    query = data.draw(from_schema(parameter("GraphService_SearchUsers", "query")))
    assert handle_prefix(query) == query.removeprefix("@").lower()


@pytest.mark.parametrize("bad", ["", "@", "a" * 31, "with space", "a%", "é"])
def test_search_queries_the_schema_refuses_are_refused(bad: str) -> None:
    assert not re.search(parameter("GraphService_SearchUsers", "query")["pattern"], bad)
    with pytest.raises(InvalidArgument):
        handle_prefix(bad)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_display_names_the_schema_allows_are_accepted(data: st.DataObject) -> None:
    name = data.draw(from_schema(body_property("AuthService_CreateUser", "displayName")))
    validate_display_name(name)


@pytest.mark.parametrize(
    ("operation_id", "max_chars"), [("PostService_CreatePost", 500), ("EngagementService_CreateComment", 1000)]
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_texts_the_schema_allows_pass_content_safety(data: st.DataObject, operation_id: str, max_chars: int) -> None:
    schema = body_property(operation_id, "text")
    assert schema["maxLength"] == max_chars
    text = data.draw(from_schema(schema).filter(lambda t: "http" not in t.lower() and "www." not in t.lower()))
    ContentPolicy.from_words([], max_chars=max_chars).check(text)


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "a\x00b", "a\rb"])
def test_texts_the_schema_refuses_are_refused(bad: str) -> None:
    assert not re.search(body_property("PostService_CreatePost", "text")["pattern"], bad)
    with pytest.raises(InvalidArgument):
        ContentPolicy.from_words([], max_chars=COMMENT_MAX_CHARS).check(bad)


def test_ids_limits_modes_media_and_keys_match_the_services() -> None:
    id_pattern = parameter("GraphService_GetUser", "user_id")["pattern"]
    for good in ("1", "42", str(2**63 - 2**58)):
        assert re.search(python_pattern(id_pattern), good) and int(good) < 2**63
    for bad in ("0", "-1", "01", "abc", str(2**63), "9" * 19):
        assert not re.search(python_pattern(id_pattern), bad)
    limit = parameter("TimelineService_GetFeed", "limit")
    assert (limit["minimum"], limit["maximum"]) == (0, 100)
    assert page_limit(limit["minimum"]) == 20 and page_limit(limit["maximum"]) == 100
    with pytest.raises(InvalidArgument):
        page_limit(limit["minimum"] - 1)
    assert {FeedMode.parse(mode) for mode in parameter("TimelineService_GetFeed", "mode")["enum"]} == set(FeedMode)
    refs = body_property("PostService_CreatePost", "mediaRefs")
    assert refs["maxItems"] == 10 and is_media_ref("m_" + "0f" * 16)
    upload = {name: body_property("MediaService_CreateUpload", name) for name in ("contentType", "sizeBytes")}
    for content_type in upload["contentType"]["enum"]:
        check_upload(content_type, upload["sizeBytes"]["maximum"], upload["sizeBytes"]["maximum"])
    key = next(p for p in operation("PostService_CreatePost")["parameters"] if p["name"] == "Idempotency-Key")
    assert check_idempotency_key("k" * 128) and re.search(key["schema"]["pattern"], "k" * 128)
    assert not re.search(key["schema"]["pattern"], "k" * 129)
