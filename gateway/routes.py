"""The public API as the protos declare it: every RPC with a `google.api.http` annotation, read from the descriptor
set the transcoder uses (gen/feedmesh.binpb, the public packages only). The gateway's routes come from here, never
from a hand-written list. Internal services live in their own packages (`feedmesh.<svc>.internal.v1`), carry no
annotation and are refused by the gateway (INTERNAL_PATHS); an annotation on one stops the render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2

# The RPCs a caller may use without a token: registering, logging in, and the keys tokens are verified with.
PUBLIC_RPCS = frozenset(
    {
        "feedmesh.auth.v1.AuthService/CreateUser",
        "feedmesh.auth.v1.AuthService/CreateSession",
        "feedmesh.auth.v1.AuthService/GetJwks",
    }
)

_VARIABLE = re.compile(r"\{([^}=]+)(=[^}]*)?\}")
# The gRPC paths of the internal packages' services (`/feedmesh.<svc>.internal.v1.<Service>/<Method>`): the gateway
# answers them 404 (UNIMPLEMENTED to gRPC callers) before any other route. Envoy matches a route's regex against the
# whole path, hence the trailing `.*`.
INTERNAL_PATHS = r"^/feedmesh\.[a-z_]+\.internal\..*"
_INTERNAL_PACKAGE = re.compile(r"^feedmesh\.[a-z_]+\.internal\.")


def is_internal_package(package: str) -> bool:
    """feedmesh.graph.internal.v1 -> True; feedmesh.graph.v1 -> False."""
    return _INTERNAL_PACKAGE.match(package) is not None


@dataclass(frozen=True)
class Rpc:
    """One annotated RPC: the service that owns it, its gRPC path and its REST mapping."""

    package: str  # feedmesh.auth.v1
    service: str  # AuthService
    method: str  # CreateUser
    verb: str  # GET, POST, PUT, DELETE, PATCH
    template: str  # /v1/users/{user_id}
    streaming: bool = False  # a server stream: no route timeout, no retries once it has begun

    @property
    def full_name(self) -> str:
        return f"{self.package}.{self.service}/{self.method}"

    @property
    def grpc_path(self) -> str:
        return f"/{self.full_name}"

    @property
    def owner(self) -> str:
        """The short service name the cluster is named after: feedmesh.auth.v1 -> auth."""
        return self.package.split(".")[1]

    @property
    def is_read(self) -> bool:
        return self.verb == "GET"

    @property
    def is_public(self) -> bool:
        return self.full_name in PUBLIC_RPCS

    @property
    def rest_regex(self) -> str:
        """A regex of the REST path (query string excluded): each {variable} is one path segment."""
        parts = _VARIABLE.split(self.template)
        # split() yields text, name, '=pattern' or None, text, ...: keep the text, a segment for each variable
        out = []
        for i, part in enumerate(parts):
            if i % 3 == 0:
                out.append(part.replace(".", "\\."))
            elif i % 3 == 1:
                out.append("[^/]+")
        return "^" + "".join(out) + "$"


def load_rpcs(descriptor_set: Path) -> list[Rpc]:
    """Every annotated RPC in the descriptor set, in file order. ValueError for an annotated RPC of an internal
    package: it would be routed past the refusal of its package."""
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    rpcs = []
    for file in files.file:
        for service in file.service:
            for method in service.method:
                rule: http_pb2.HttpRule = method.options.Extensions[annotations_pb2.http]
                pattern = rule.WhichOneof("pattern")
                if pattern is None or pattern == "custom":
                    continue
                if is_internal_package(file.package):
                    raise ValueError(
                        f"{file.package}.{service.name}/{method.name} is internal but has a google.api.http annotation"
                    )
                rpcs.append(
                    Rpc(
                        file.package,
                        service.name,
                        method.name,
                        pattern.upper(),
                        getattr(rule, pattern),
                        method.server_streaming,
                    )
                )
    return rpcs


def grpc_services(rpcs: list[Rpc]) -> list[str]:
    """The fully-qualified names of the services with public RPCs, for the transcoder."""
    return sorted({f"{rpc.package}.{rpc.service}" for rpc in rpcs})
