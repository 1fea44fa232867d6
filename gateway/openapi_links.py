"""OpenAPI links of the served document: which answer's ids the next call can use (a created post -> read, like,
comment on, share, delete it; a new account -> follow it, list its followers; a comment -> delete it).

A client reads them as documentation; Schemathesis's stateful phase (`gateway.fuzz_api`) follows them, so its
calls reach objects that exist instead of random ids that name nothing.
"""

from __future__ import annotations

from typing import Any

# (operationId of the answer, link name) -> (operationId to call next, {its parameter: runtime expression})
_POST = {"post_id": "$response.body#/id"}
_USER = {"user_id": "$response.body#/id"}
_COMMENT = {"post_id": "$response.body#/postId", "comment_id": "$response.body#/id"}
LINKS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "PostService_CreatePost": {
        "GetPost": ("PostService_GetPost", _POST),
        "LikePost": ("EngagementService_LikePost", _POST),
        "UnlikePost": ("EngagementService_UnlikePost", _POST),
        "CreateComment": ("EngagementService_CreateComment", _POST),
        "ListComments": ("EngagementService_ListComments", _POST),
        "SharePost": ("EngagementService_SharePost", _POST),
        "DeletePost": ("PostService_DeletePost", _POST),
    },
    "EngagementService_CreateComment": {
        "ListComments": ("EngagementService_ListComments", {"post_id": "$response.body#/postId"}),
        "DeleteComment": ("EngagementService_DeleteComment", _COMMENT),
    },
    "AuthService_CreateUser": {
        "GetUser": ("GraphService_GetUser", _USER),
        "FollowUser": ("GraphService_FollowUser", _USER),
        "UnfollowUser": ("GraphService_UnfollowUser", _USER),
        "ListFollowers": ("GraphService_ListFollowers", _USER),
        "ListFollowing": ("GraphService_ListFollowing", _USER),
        "ListUserPosts": ("PostService_ListUserPosts", _USER),
        "AddCloseFriend": ("GraphService_AddCloseFriend", _USER),
        "RemoveCloseFriend": ("GraphService_RemoveCloseFriend", _USER),
        "BlockUser": ("GraphService_BlockUser", _USER),
        "UnblockUser": ("GraphService_UnblockUser", _USER),
    },
    "GraphService_GetCurrentUser": {
        "ListFollowers": ("GraphService_ListFollowers", _USER),
        "ListFollowing": ("GraphService_ListFollowing", _USER),
        "ListUserPosts": ("PostService_ListUserPosts", _USER),
    },
}


def add_links(operations: dict[str, dict[str, Any]]) -> None:
    """Puts LINKS on the 200 answers of `operations` (operationId -> operation); a link to or from an operation
    the document lacks is an error, so a renamed RPC cannot leave a dangling link."""
    for source, links in LINKS.items():
        answer = operations[source]["responses"]["200"]
        for name, (target, parameters) in links.items():
            if target not in operations:
                raise KeyError(f"link {source} -> {name}: no operation {target}")
            answer.setdefault("links", {})[name] = {"operationId": target, "parameters": parameters}
