"""The OpenAPI 3.1 document the gateway serves at /openapi.json, finished from what protoc-gen-openapiv3 generates.

`tools/gen.sh` runs `python -m gateway.openapi PARTS OUT`: PARTS holds the generator's documents (one per proto
file, from the same google.api.http annotations the gateway transcodes with, field_behavior REQUIRED as `required`);
this adds what the generator cannot take from the protos and writes one document:
- one document: paths, schemas and tags of every part, under the title "feedmesh API" and the project's version
  (pyproject.toml);
- bearer JWT security on every operation but the public ones (`gateway.routes.PUBLIC_RPCS`, the gateway's own list);
- the `Idempotency-Key` header on the operations whose service reads the `idempotency-key` metadata;
- the error answers as the gateway returns them (`google.rpc.Status` with `google.rpc.ErrorInfo` details), one per
  status the RPC's comment or its service's names (NOT_FOUND: 404, ...) plus 400, 429 and 503 everywhere;
- links from an answer's ids to the calls that take them (`gateway.openapi_links`);
- summaries (the comment's first sentence) without `buf:lint:ignore` pragmas;
- the constraints the services enforce, from the constants of their domain code (`CONSTRAINTS`), so the schema and
  the server cannot drift apart without `tools/check_gen_clean.sh` seeing it.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from gateway.openapi_links import add_links
from gateway.routes import PUBLIC_RPCS
from services.auth.domain.users import DISPLAY_NAME_MAX, HANDLE_MAX, HANDLE_MIN, PASSWORD_MAX, PASSWORD_MIN
from services.common.content_safety import POST_MAX_CHARS
from services.common.idempotency import MAX_IDEMPOTENCY_KEY_CHARS
from services.common.pagination import MAX_LIMIT
from services.engagement.domain.comments import COMMENT_MAX_CHARS
from services.media.domain.uploads import CONTENT_TYPES, DEFAULT_MAX_BYTES
from services.post.domain.rules import MAX_MEDIA_REFS
from services.timeline.domain.cursor import FeedMode

ROOT = Path(__file__).resolve().parent.parent
TITLE = "feedmesh API"
DESCRIPTION = (
    "The public REST API of feedmesh, transcoded by the Envoy gateway to the gRPC services "
    "(shared/api/public-rest-contract.md). JSON follows the proto3 JSON mapping: lowerCamelCase fields, 64-bit "
    "integers as strings, RFC 3339 timestamps. Sign up with `POST /v1/users`, log in with `POST /v1/sessions`, "
    "and send the token as `Authorization: Bearer <accessToken>`."
)
BEARER = "bearerAuth"

# The RPCs whose service reads the `idempotency-key` metadata (services/post/api, services/engagement/api); a
# unit test checks this list against the servicers.
IDEMPOTENT_RPCS = frozenset(
    {
        "feedmesh.post.v1.PostService/CreatePost",
        "feedmesh.engagement.v1.EngagementService/LikePost",
        "feedmesh.engagement.v1.EngagementService/UnlikePost",
        "feedmesh.engagement.v1.EngagementService/CreateComment",
        "feedmesh.engagement.v1.EngagementService/SharePost",
    }
)

# An id is a positive int64 (every service refuses 0 and negatives); in a path or query it is its decimal string.
POSITIVE_ID = r"^([1-9][0-9]{0,17}|[1-8][0-9]{18}|9[01][0-9]{17})$"
# User text (services.common.content_safety): at least one character that is neither white space nor a control
# character, and no control characters but newline and tab. The limit on links and the denylist are not declared.
_TEXT_CHAR = r"[^\x00-\x08\x0b-\x1f\x7f-\x9f]"
USER_TEXT = rf"^{_TEXT_CHAR}*[^\s\x00-\x1f\x7f-\x9f]{_TEXT_CHAR}*$"
ID_PARAMETERS = ("user_id", "post_id", "comment_id")

# (operationId, property or parameter name) -> the JSON Schema keywords the server enforces on it.
CONSTRAINTS: dict[tuple[str, str], dict[str, Any]] = {
    ("AuthService_CreateUser", "handle"): {"pattern": rf"^[A-Za-z0-9_]{{{HANDLE_MIN},{HANDLE_MAX}}}$"},
    ("AuthService_CreateUser", "password"): {"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX},
    ("AuthService_CreateUser", "displayName"): {
        "maxLength": DISPLAY_NAME_MAX,
        "pattern": r"^[^\x00-\x1f\x7f-\x9f]*$",
    },
    ("AuthService_CreateSession", "handle"): {"pattern": rf"^[A-Za-z0-9_]{{{HANDLE_MIN},{HANDLE_MAX}}}$"},
    ("AuthService_CreateSession", "password"): {"minLength": 1, "maxLength": PASSWORD_MAX},
    ("PostService_CreatePost", "text"): {"maxLength": POST_MAX_CHARS, "pattern": USER_TEXT},
    ("PostService_CreatePost", "mediaRefs"): {"maxItems": MAX_MEDIA_REFS, "uniqueItems": True},
    ("EngagementService_CreateComment", "text"): {"maxLength": COMMENT_MAX_CHARS, "pattern": USER_TEXT},
    ("MediaService_CreateUpload", "contentType"): {"enum": list(CONTENT_TYPES)},
    ("MediaService_CreateUpload", "sizeBytes"): {
        "type": "integer",
        "format": "int64",
        "minimum": 1,
        "maximum": DEFAULT_MAX_BYTES,
    },
    ("NotificationService_MarkNotificationsRead", "upToId"): {"type": "string", "pattern": POSITIVE_ID},
    ("TimelineService_GetFeed", "mode"): {"enum": [mode.value for mode in FeedMode]},
    ("GraphService_SearchUsers", "query"): {"pattern": rf"^@?[A-Za-z0-9_]{{1,{HANDLE_MAX}}}$"},
}
MEDIA_REF = {"type": "string", "pattern": r"^m_[0-9a-f]{32}$"}
LIMIT = {"type": "integer", "format": "int32", "minimum": 0, "maximum": MAX_LIMIT}

# The gRPC codes an RPC's comment names, as the gateway's HTTP statuses (convert_grpc_status).
CODE_STATUSES = {
    "INVALID_ARGUMENT": "400",
    "FAILED_PRECONDITION": "400",
    "UNAUTHENTICATED": "401",
    "PERMISSION_DENIED": "403",
    "NOT_FOUND": "404",
    "ALREADY_EXISTS": "409",
    "RESOURCE_EXHAUSTED": "429",
}
# The error answers and their schemas (google.rpc.Status with ErrorInfo details), by HTTP status.
ERRORS: dict[str, Any] = json.loads((Path(__file__).with_name("openapi_errors.json")).read_text())
_PRAGMA = re.compile(r"^\s*buf:lint:ignore\b.*$\n?", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def project_version() -> str:
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


def clean_text(text: str) -> str:
    return _PRAGMA.sub("", text).strip()


def split_summary(text: str) -> tuple[str, str]:
    """(first sentence on one line, the whole comment) of an RPC's comment."""
    text = clean_text(text)
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    return " ".join(first.split()), text


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags: list[dict[str, Any]] = []
    for part in parts:
        for path, item in part.get("paths", {}).items():
            if path in paths and set(paths[path]) & set(item):
                raise ValueError(f"two protos map the same route: {path} {sorted(set(paths[path]) & set(item))}")
            paths.setdefault(path, {}).update(item)
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                raise ValueError(f"schema {name} differs between two generated parts")
            schemas[name] = schema
        tags.extend(tag for tag in part.get("tags", []) if tag not in tags)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": project_version(), "description": DESCRIPTION},
        "tags": sorted(tags, key=lambda tag: tag["name"]),
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def grpc_name(operation_id: str, package_of: dict[str, str]) -> str:
    """`PostService_CreatePost` -> `feedmesh.post.v1.PostService/CreatePost`."""
    service, method = operation_id.split("_", 1)
    return f"{package_of[service]}.{service}/{method}"


def constrain(operation_id: str, name: str, schema: dict[str, Any]) -> None:
    rules = CONSTRAINTS.get((operation_id, name), {})
    if name in ("limit",):
        rules = LIMIT
    elif name in ID_PARAMETERS:
        rules = {"type": "string", "pattern": POSITIVE_ID}
    if rules.get("type") == "integer":
        schema.pop("pattern", None)
    schema.update(rules)
    if operation_id == "PostService_CreatePost" and name == "mediaRefs":
        schema["items"] = MEDIA_REF


def finish_operation(operation: dict[str, Any], rpc: str, service_comment: str = "") -> None:
    """`service_comment`: the comment of the RPC's service, whose statuses hold for every RPC of it."""
    operation_id = operation["operationId"]
    operation["summary"], operation["description"] = split_summary(
        operation.get("summary", "") + "\n" + operation.get("description", "")
    )
    for parameter in operation.get("parameters", []):
        parameter["description"] = clean_text(parameter.get("description", ""))
        constrain(operation_id, parameter["name"], parameter["schema"])
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    for name, schema in body.get("properties", {}).items():
        constrain(operation_id, name, schema)
    if body:
        # the transcoder maps a body onto the request message: it has no room for other fields (an empty name is
        # refused outright)
        body["additionalProperties"] = False
    if rpc in PUBLIC_RPCS:
        operation["security"] = []
    if rpc in IDEMPOTENT_RPCS:
        operation.setdefault("parameters", []).append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "A client-chosen key: a retry with the same key returns the first answer and changes "
                "nothing (it reaches the service as `idempotency-key` metadata).",
                "schema": {"type": "string", "pattern": rf"^[\x21-\x7e]{{1,{MAX_IDEMPOTENCY_KEY_CHARS}}}$"},
            }
        )
    statuses = {"400", "429", "503"} | {
        CODE_STATUSES[code] for code in CODE_STATUSES if code in operation["description"] + service_comment
    }
    if rpc not in PUBLIC_RPCS:
        statuses |= {"401", "403"}
    responses = operation["responses"]
    for status in sorted(statuses):
        responses[status] = {"$ref": f"#/components/responses/Error{status}"}
    responses["default"] = {"$ref": "#/components/responses/Error"}


def finish(parts: list[dict[str, Any]]) -> dict[str, Any]:
    document = merge(parts)
    package_of = {}
    for part in parts:
        for tag in part.get("tags", []):
            package_of[tag["name"]] = part["x-package"]
    for tag in document["tags"]:
        tag["description"] = clean_text(tag.get("description", ""))
    service_comments = {tag["name"]: tag["description"] for tag in document["tags"]}
    operations = {}
    for item in document["paths"].values():
        for operation in item.values():
            service = operation["operationId"].split("_", 1)[0]
            finish_operation(operation, grpc_name(operation["operationId"], package_of), service_comments[service])
            operations[operation["operationId"]] = operation
    add_links(operations)
    components = document["components"]
    components["schemas"].update(ERRORS["schemas"])
    for schema in components["schemas"].values():
        if "description" in schema:
            schema["description"] = clean_text(schema["description"])
    status_body = {"application/json": {"schema": {"$ref": "#/components/schemas/google.rpc.Status"}}}
    components["responses"] = {
        f"Error{status}": {**response, "content": status_body} for status, response in ERRORS["responses"].items()
    }
    components["responses"]["Error"] = {"description": "Any other error, in the same shape.", "content": status_body}
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The accessToken of POST /v1/sessions (ES256, issuer feedmesh-auth, audience feedmesh).",
        }
    }
    document["security"] = [{BEARER: []}]
    return document


def load_parts(parts_dir: Path) -> list[dict[str, Any]]:
    """The generator's documents, each marked with its proto package (from its path: feedmesh/<svc>/v1/...)."""
    parts = []
    for path in sorted(parts_dir.rglob("*.openapi.json")):
        part = json.loads(path.read_text())
        part["x-package"] = ".".join(path.relative_to(parts_dir).parent.parts)
        parts.append(part)
    if not parts:
        raise FileNotFoundError(f"no *.openapi.json under {parts_dir}")
    return parts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m gateway.openapi PARTS_DIR OUT_FILE", file=sys.stderr)
        return 2
    document = finish(load_parts(Path(argv[0])))
    out = Path(argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
