"""The authorization matrix (tests/e2e/authorization_matrix.py, docs/authorization.md) through the real gateway:
every cell's route called by its role on its content answers the table's status; what each role sees in the owners'
post lists, its home feed and its mention notifications is exactly what it may see; and no JWT trick or smuggled
`x-feedmesh-user-id` header makes anyone somebody else, over REST, native gRPC or gRPC-Web."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from feedmesh.auth.v1 import user_pb2
from feedmesh.graph.v1 import graph_service_pb2 as graph_pb2
from feedmesh.graph.v1 import graph_service_pb2_grpc as graph_grpc

from services.common.identity import USER_ID_HEADER
from services.common.polling import wait_for_sync
from stack.settings import StackSettings
from tests.e2e.authorization_matrix import CONTENTS, MUTATING, REVISED, ROLES, SEES, Cell, cells
from tests.e2e.conftest import Gateway, User

pytestmark = pytest.mark.e2e

VIEWERS = tuple(role for role in ROLES if role not in ("anonymous", "owner"))
FOLLOWING_ROLES = ("follower", "close_friend", "approved", "ex_close_friend")
POST_VISIBILITY = dict(zip(CONTENTS, ("PUBLIC", "PUBLIC", "FOLLOWERS", "CLOSE_FRIENDS"), strict=True))


@dataclass
class World:
    owners: dict[str, User]
    """"public" and "private_account": the two accounts"""
    viewers: dict[str, User]
    posts: dict[str, int]
    """content kind -> the owner's post of that kind"""
    comments: dict[str, int]
    """content kind -> a comment of the owner on that post"""

    def owner_of(self, content: str) -> User:
        return self.owners["private_account" if content == "private_account" else "public"]


def _ok(reply: httpx.Response) -> dict[str, object]:
    assert reply.status_code == 200, (reply.request.method, reply.request.url.path, reply.text)
    body = reply.json()
    assert isinstance(body, dict)
    return body


# A revised role's first step: the role it starts from.
STARTS_AS = {"approved": "pending", "rejected": "pending", "ex_close_friend": "close_friend", "unblocked": "blocked"}


def _relate(client: httpx.Client, role: str, viewer: User, owner: User) -> None:
    """Makes `viewer` stand in `role` towards `owner` (whose account may be private); a revised role only its first
    step (`_revise` takes the second)."""
    role = _first_step(role)
    if role in ("follower", "close_friend") or (role == "pending" and _private(client, owner)):
        state = _ok(client.post(f"/v1/users/{owner.id}/follow", headers=viewer.auth))["state"]
        if state == "REQUESTED" and role != "pending":
            _ok(client.post(f"/v1/follow-requests/{viewer.id}/approve", headers=owner.auth))
    if role == "close_friend":
        _ok(client.put(f"/v1/close-friends/{viewer.id}", headers=owner.auth))
    if role == "blocked":
        _ok(client.post(f"/v1/users/{viewer.id}/block", headers=owner.auth))


def _first_step(role: str) -> str:
    """The role a revised role stood in when the owners posted (any other role: itself)."""
    return STARTS_AS.get(role, role)


def _revise(client: httpx.Client, role: str, viewer: User, owner: User) -> None:
    """The second step of a revised role: the owner approves or rejects the pending request (a public owner has
    none: `approved` follows it instead, `rejected` stays a stranger), removes the close friend, unblocks."""
    private = _private(client, owner)
    if role == "approved" and private:
        _ok(client.post(f"/v1/follow-requests/{viewer.id}/approve", headers=owner.auth))
    elif role == "approved":
        assert _ok(client.post(f"/v1/users/{owner.id}/follow", headers=viewer.auth))["state"] != "REQUESTED"
    elif role == "rejected" and private:
        _ok(client.post(f"/v1/follow-requests/{viewer.id}/reject", headers=owner.auth))
    elif role == "ex_close_friend":
        _ok(client.delete(f"/v1/close-friends/{viewer.id}", headers=owner.auth))
    elif role == "unblocked":
        _ok(client.delete(f"/v1/users/{viewer.id}/block", headers=owner.auth))


def _private(client: httpx.Client, owner: User) -> bool:
    return bool(_ok(client.get("/v1/users/me", headers=owner.auth))["private"])


def _post(client: httpx.Client, owner: User, content: str, text: str) -> int:
    body = {"text": text, "visibility": POST_VISIBILITY[content]}
    return int(str(_ok(client.post("/v1/posts", json=body, headers=owner.auth))["id"]))


def _comment(client: httpx.Client, owner: User, post_id: int) -> int:
    reply = client.post(
        f"/v1/posts/{post_id}/comments", json={"text": f"owner's note {time.time_ns()}"}, headers=owner.auth
    )
    return int(str(_ok(reply)["id"]))


@pytest.fixture(scope="module")
def world(gateway: Gateway, new_user: Callable[..., User]) -> World:
    owners = {"public": new_user(), "private_account": new_user(private=True)}
    viewers = {role: new_user() for role in VIEWERS}
    with httpx.Client(base_url=gateway.url, timeout=15) as client:
        for role, viewer in viewers.items():
            for owner in owners.values():
                _relate(client, role, viewer, owner)
        mentions = " ".join(f"@{viewer.handle}" for viewer in viewers.values())
        posts = {
            content: _post(client, World(owners, {}, {}, {}).owner_of(content), content, f"{content} {mentions}")
            for content in POST_VISIBILITY
        }
        comments = {
            content: _comment(client, World(owners, {}, {}, {}).owner_of(content), post_id)
            for content, post_id in posts.items()
        }
        world = World(owners, viewers, posts, comments)
        # after the posts, their fanout and the mentions: what a revised role sees follows the change. A mention is
        # decided when the notification service handles the post, so the revised roles wait for theirs first.
        for role in REVISED:
            _wait_for_mentions(client, world, role)
        for role in REVISED:
            for owner in owners.values():
                _revise(client, role, viewers[role], owner)
    return world


def _mentioned(client: httpx.Client, viewer: User) -> set[int]:
    """The posts whose mention of `viewer` its notifications list."""
    page = _ok(client.get("/v1/notifications", params={"limit": 100}, headers=viewer.auth))
    return {int(n["postId"]) for n in page.get("notifications", []) if n["kind"] == "MENTION"}  # type: ignore[attr-defined]


def _wait_for_mentions(client: httpx.Client, world: World, role: str) -> set[int]:
    """The role's mentions, once every post its first step may see has mentioned it (30 s at most)."""
    viewer, wanted = world.viewers[role], _may_see(world, _first_step(role))
    return wait_for_sync(
        lambda: _mentioned(client, viewer), wanted.issubset, within=30, interval=0.3, what=f"the {role}'s mentions"
    )


def _caller(client: httpx.Client, world: World, cell: Cell) -> User | None:
    """The user who makes the call: a fresh one in the role for a cell that changes the caller's relationship."""
    owner = world.owner_of(cell.content)
    if cell.role == "anonymous":
        return None
    if cell.role == "owner":
        return owner
    if cell.route in MUTATING and "{user}" in cell.path:
        return None  # made by the test, which has new_user
    return world.viewers[cell.role]


def _url(client: httpx.Client, world: World, cell: Cell) -> str:
    owner = world.owner_of(cell.content)
    post_id, comment_id = world.posts[cell.content], world.comments[cell.content]
    if cell.role == "owner" and cell.route == "DELETE /v1/posts/{post}":
        post_id = _post(client, owner, cell.content, "to be deleted")
    if cell.role == "owner" and cell.route == "DELETE /v1/posts/{post}/comments/{comment}":
        comment_id = _comment(client, owner, post_id)
    return cell.path.format(post=post_id, comment=comment_id, user=owner.id, handle=owner.handle)


CELLS = cells()


@pytest.mark.parametrize("cell", CELLS, ids=[f"{cell.route}|{cell.content}|{cell.role}" for cell in CELLS])
def test_cell(cell: Cell, world: World, client: httpx.Client, new_user: Callable[..., User]) -> None:
    caller = _caller(client, world, cell)
    if caller is None and cell.role != "anonymous":
        caller = new_user()
        _relate(client, cell.role, caller, world.owner_of(cell.content))
        if cell.role in REVISED:
            _revise(client, cell.role, caller, world.owner_of(cell.content))
    url = _url(client, world, cell)
    body = {"text": f"a comment {time.time_ns()}"} if cell.route == "POST /v1/posts/{post}/comments" else None
    headers = caller.auth if caller is not None else {}
    reply = client.request(cell.method, url, json=body, headers=headers)
    assert reply.status_code == cell.status, f"{cell}: {reply.status_code} {reply.text}"
    if reply.status_code != 200:
        assert reply.json()["code"] > 0 and reply.json()["message"]


def _may_see(world: World, role: str) -> set[int]:
    return {post_id for content, post_id in world.posts.items() if role in SEES[content]}


def test_user_post_lists_show_exactly_what_each_role_may_see(world: World, client: httpx.Client) -> None:
    for role in ("owner", *VIEWERS):
        seen: set[int] = set()
        for account, owner in world.owners.items():
            caller = owner if role == "owner" else world.viewers[role]
            page = _ok(client.get(f"/v1/users/{owner.id}/posts", params={"limit": 100}, headers=caller.auth))
            ids = {int(p["id"]) for p in page.get("posts", [])}  # type: ignore[attr-defined]
            if role == "owner":  # each owner sees all of its own
                assert ids >= {world.posts[c] for c in world.posts if world.owner_of(c) is owner}, (account, ids)
                continue
            seen |= ids
        if role != "owner":
            assert seen == _may_see(world, role), role


def test_feeds_show_exactly_what_each_follower_may_see(world: World, client: httpx.Client) -> None:
    """Fanout is asynchronous: wait for every post a role may see, then nothing else of the owners' is there (roles
    that see most first: once their posts arrived, every decision about those posts was made)."""
    for role in sorted(VIEWERS, key=lambda role: -len(_may_see(world, role))):
        # a feed holds the accounts one follows: of the owners', only what followers may see
        viewer = world.viewers[role]
        wanted = _may_see(world, role) if role in FOLLOWING_ROLES else set()
        owner_ids = {str(owner.id) for owner in world.owners.values()}

        def owners_posts_in_feed(viewer: User = viewer, authors: set[str] = owner_ids) -> set[int]:
            feed = _ok(client.get("/v1/feed", params={"mode": "chronological", "limit": 100}, headers=viewer.auth))
            ids = {int(i["post"]["id"]) for i in feed.get("items", []) if i["post"]["authorId"] in authors}  # type: ignore[attr-defined]
            return ids

        seen = wait_for_sync(owners_posts_in_feed, wanted.issubset, within=20, interval=0.3, what=f"the {role}'s feed")
        assert seen == wanted, role


def test_mentions_notify_exactly_those_who_may_see_the_post(world: World, client: httpx.Client) -> None:
    """Every post mentions every viewer: only those who may see a post when it is made hear of it (roles that see
    most first). A mention is an event of that moment: a revised role keeps or lacks it as its first step decided
    (an ex close friend keeps the mention of a close-friends post it can no longer open; an approved requester gets
    none for the private posts made while it was pending)."""
    for role in sorted(VIEWERS, key=lambda role: -len(_may_see(world, _first_step(role)))):
        assert _wait_for_mentions(client, world, role) == _may_see(world, _first_step(role)), role


# --- identity: JWT attacks and a smuggled x-feedmesh-user-id -------------------------------------------------------
def test_people_search_finds_both_owners_for_every_role_but_the_blocked(world: World, client: httpx.Client) -> None:
    """GET /v1/users:search is a directory: private accounts are listed too; accounts blocked either way are not
    (an unblocked user finds the owner again). Anonymous callers are refused."""

    def found(caller: User | None, owner: User) -> bool:
        headers = caller.auth if caller is not None else {}
        reply = client.get("/v1/users:search", params={"query": owner.handle, "limit": 50}, headers=headers)
        if caller is None:
            assert reply.status_code == 401, reply.text
            return False
        return str(owner.id) in {u["id"] for u in _ok(reply).get("users", [])}  # type: ignore[attr-defined]

    for account, owner in world.owners.items():
        assert not found(None, owner)
        listed = {role for role in VIEWERS if found(world.viewers[role], owner)}
        assert listed == set(VIEWERS) - {"blocked"}, account
        assert not found(owner, world.viewers["blocked"]), "the blocker does not find whom it blocked either"


def test_a_token_of_another_key_claiming_another_user_is_refused(
    world: World, client: httpx.Client, stack: StackSettings
) -> None:
    owner, stranger = world.owners["private_account"], world.viewers["stranger"]
    kid = jwt.get_unverified_header(stranger.token)["kid"]
    now = int(time.time())
    claims = {"iss": "feedmesh-auth", "aud": "feedmesh", "sub": str(owner.id), "iat": now, "exp": now + 600}
    forged = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": kid})
    private_post = world.posts["private_account"]
    reply = client.get(f"/v1/posts/{private_post}", headers={"authorization": f"Bearer {forged}"})
    assert reply.status_code == 401, reply.text
    none_alg = jwt.encode(claims, "", algorithm="none")
    assert client.get(f"/v1/posts/{private_post}", headers={"authorization": f"Bearer {none_alg}"}).status_code == 401


SMUGGLED = (USER_ID_HEADER, "X-Feedmesh-User-Id")


def test_a_smuggled_user_id_header_is_ignored_over_rest(world: World, client: httpx.Client) -> None:
    owner, stranger = world.owners["private_account"], world.viewers["stranger"]
    private_post = world.posts["private_account"]
    for header in SMUGGLED:
        smuggled = {**stranger.auth, header: str(owner.id)}
        assert _ok(client.get("/v1/users/me", headers=smuggled))["id"] == str(stranger.id)
        assert client.get(f"/v1/posts/{private_post}", headers=smuggled).status_code == 404
        assert client.get(f"/v1/posts/{private_post}", headers={header: str(owner.id)}).status_code == 401


def test_a_smuggled_user_id_metadata_is_ignored_over_native_grpc(world: World, gateway: Gateway) -> None:
    owner, stranger = world.owners["private_account"], world.viewers["stranger"]
    with grpc.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
        stub = graph_grpc.GraphServiceStub(channel)
        metadata = (("authorization", f"Bearer {stranger.token}"), (USER_ID_HEADER, str(owner.id)))
        me = stub.GetCurrentUser(graph_pb2.GetCurrentUserRequest(), metadata=metadata, timeout=10)
        assert me.id == stranger.id
        with pytest.raises(grpc.RpcError) as refused:
            stub.GetCurrentUser(
                graph_pb2.GetCurrentUserRequest(), metadata=((USER_ID_HEADER, str(owner.id)),), timeout=10
            )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def _grpc_web(client: httpx.Client, path: str, message: bytes, headers: dict[str, str]) -> tuple[str, bytes]:
    """One unary gRPC-Web call: (grpc-status, the response message's bytes)."""
    reply = client.post(
        path,
        content=b"\x00" + struct.pack(">I", len(message)) + message,
        headers={"content-type": "application/grpc-web+proto", "x-grpc-web": "1", **headers},
    )
    data, payload, status = reply.content, b"", reply.headers.get("grpc-status", "")
    while len(data) >= 5:
        flag, length = data[0], struct.unpack(">I", data[1:5])[0]
        frame, data = data[5 : 5 + length], data[5 + length :]
        if flag & 0x80:
            for line in frame.decode().splitlines():
                name, _, value = line.partition(":")
                if name.strip().lower() == "grpc-status":
                    status = value.strip()
        else:
            payload = frame
    return status, payload


def test_a_smuggled_user_id_header_is_ignored_over_grpc_web(world: World, client: httpx.Client) -> None:
    owner, stranger = world.owners["private_account"], world.viewers["stranger"]
    path = "/feedmesh.graph.v1.GraphService/GetCurrentUser"
    request = graph_pb2.GetCurrentUserRequest().SerializeToString()
    status, payload = _grpc_web(client, path, request, {**stranger.auth, USER_ID_HEADER: str(owner.id)})
    assert status == "0"
    assert user_pb2.User.FromString(payload).id == stranger.id
    status, _ = _grpc_web(client, path, request, {USER_ID_HEADER: str(owner.id)})
    assert status == "16"
