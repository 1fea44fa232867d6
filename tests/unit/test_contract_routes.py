"""Every route of the public REST contract (shared/api/public-rest-contract.md) is a google.api.http annotation in
the descriptor set the gateway transcodes with, on the RPC we expect, with the right method, path and body."""

from __future__ import annotations

import pathlib

import pytest
from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2

DESCRIPTOR_SET = pathlib.Path(__file__).resolve().parents[2] / "gen" / "feedmesh.binpb"

# (HTTP method, path template, fully-qualified RPC, body) as the contract gives them; `GET /media/{mediaRef}` is
# served by the gateway from the object store, not transcoded, and is tested with the gateway.
CONTRACT = [
    ("POST", "/v1/users", "feedmesh.auth.v1.AuthService.CreateUser", "*"),
    ("POST", "/v1/sessions", "feedmesh.auth.v1.AuthService.CreateSession", "*"),
    ("GET", "/v1/users/{user_id}", "feedmesh.graph.v1.GraphService.GetUser", ""),
    ("GET", "/v1/users/me", "feedmesh.graph.v1.GraphService.GetCurrentUser", ""),
    ("POST", "/v1/users/{user_id}/follow", "feedmesh.graph.v1.GraphService.FollowUser", ""),
    ("DELETE", "/v1/users/{user_id}/follow", "feedmesh.graph.v1.GraphService.UnfollowUser", ""),
    ("GET", "/v1/follow-requests", "feedmesh.graph.v1.GraphService.ListFollowRequests", ""),
    (
        "POST",
        "/v1/follow-requests/{user_id}/approve",
        "feedmesh.graph.v1.GraphService.ApproveFollowRequest",
        "",
    ),
    (
        "POST",
        "/v1/follow-requests/{user_id}/reject",
        "feedmesh.graph.v1.GraphService.RejectFollowRequest",
        "",
    ),
    ("POST", "/v1/users/{user_id}/block", "feedmesh.graph.v1.GraphService.BlockUser", ""),
    ("DELETE", "/v1/users/{user_id}/block", "feedmesh.graph.v1.GraphService.UnblockUser", ""),
    ("PUT", "/v1/close-friends/{user_id}", "feedmesh.graph.v1.GraphService.AddCloseFriend", ""),
    ("DELETE", "/v1/close-friends/{user_id}", "feedmesh.graph.v1.GraphService.RemoveCloseFriend", ""),
    ("GET", "/v1/users/{user_id}/followers", "feedmesh.graph.v1.GraphService.ListFollowers", ""),
    ("GET", "/v1/users/{user_id}/following", "feedmesh.graph.v1.GraphService.ListFollowing", ""),
    ("POST", "/v1/posts", "feedmesh.post.v1.PostService.CreatePost", "*"),
    ("GET", "/v1/posts/{post_id}", "feedmesh.post.v1.PostService.GetPost", ""),
    ("DELETE", "/v1/posts/{post_id}", "feedmesh.post.v1.PostService.DeletePost", ""),
    ("GET", "/v1/users/{user_id}/posts", "feedmesh.post.v1.PostService.ListUserPosts", ""),
    ("GET", "/v1/feed", "feedmesh.timeline.v1.TimelineService.GetFeed", ""),
    ("POST", "/v1/posts/{post_id}/like", "feedmesh.engagement.v1.EngagementService.LikePost", ""),
    ("DELETE", "/v1/posts/{post_id}/like", "feedmesh.engagement.v1.EngagementService.UnlikePost", ""),
    ("POST", "/v1/posts/{post_id}/comments", "feedmesh.engagement.v1.EngagementService.CreateComment", "*"),
    ("GET", "/v1/posts/{post_id}/comments", "feedmesh.engagement.v1.EngagementService.ListComments", ""),
    (
        "DELETE",
        "/v1/posts/{post_id}/comments/{comment_id}",
        "feedmesh.engagement.v1.EngagementService.DeleteComment",
        "",
    ),
    ("POST", "/v1/posts/{post_id}/shares", "feedmesh.engagement.v1.EngagementService.SharePost", ""),
    ("POST", "/v1/media", "feedmesh.media.v1.MediaService.CreateUpload", "*"),
    ("GET", "/v1/notifications", "feedmesh.notification.v1.NotificationService.ListNotifications", ""),
    ("GET", "/v1/notifications:unreadCount", "feedmesh.notification.v1.NotificationService.GetUnreadCount", ""),
    (
        "POST",
        "/v1/notifications:markRead",
        "feedmesh.notification.v1.NotificationService.MarkNotificationsRead",
        "*",
    ),
    ("GET", "/v1/notifications:stream", "feedmesh.notification.v1.NotificationService.StreamNotifications", ""),
]

# Routes beyond the contract that the gateway also serves.
EXTRA_PUBLIC = [
    ("GET", "/v1/jwks", "feedmesh.auth.v1.AuthService.GetJwks", ""),
    ("GET", "/v1/users/{user_id}/relationship", "feedmesh.graph.v1.GraphService.GetRelationship", ""),
    ("GET", "/v1/users:search", "feedmesh.graph.v1.GraphService.SearchUsers", ""),
]


def _routes() -> dict[str, tuple[str, str, str]]:
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    routes: dict[str, tuple[str, str, str]] = {}
    for file in files.file:
        for service in file.service:
            for method in service.method:
                rule: http_pb2.HttpRule = method.options.Extensions[annotations_pb2.http]
                pattern = rule.WhichOneof("pattern")
                if pattern is None:
                    continue
                rpc = f"{file.package}.{service.name}.{method.name}"
                routes[rpc] = (pattern.upper(), getattr(rule, pattern), rule.body)
    return routes


@pytest.mark.parametrize(("verb", "path", "rpc", "body"), CONTRACT + EXTRA_PUBLIC, ids=lambda v: str(v))
def test_contract_route_is_annotated(verb: str, path: str, rpc: str, body: str) -> None:
    routes = _routes()
    assert rpc in routes, f"{rpc} has no google.api.http annotation"
    assert routes[rpc] == (verb, path, body)


def test_no_unexpected_public_routes() -> None:
    expected = {rpc for _, _, rpc, _ in CONTRACT + EXTRA_PUBLIC}
    assert set(_routes()) == expected


def test_routes_are_unique() -> None:
    pairs = [(verb, path) for verb, path, _ in _routes().values()]
    assert len(pairs) == len(set(pairs))
